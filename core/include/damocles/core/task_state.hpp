// SPDX-License-Identifier: Apache-2.0
//
// The state names of the damocles rebuild flow (docs/architecture.md §6.1,
// docs/architecture.md §6) and how completed DAG vertices map onto them. The DAG
// runs tree_c and tree_r_last in parallel, so the state is derived from the
// set of completed vertices, never from the last one alone.
#pragma once

#include <cstdint>
#include <set>
#include <string_view>

#include "damocles/core/dag_types.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc::core {

// The values are stored in resume records: only ever append.
enum class TaskState : uint8_t {
    empty,
    allocated,
    piece_added,
    tree_d_built,
    pc1_done,
    pc2_done,
    sealed_checked,
    snap_piece_added,
    snap_tree_d_built,
    snap_encoded,
    snap_done,
    persisted,
    finished,
    aborted,
    unsealed,
};
inline constexpr uint32_t kTaskStateCount = 15;

// "Empty", "PC1Done", ... exactly as damocles prints them.
const char *task_state_name(TaskState state);
// damocles' name; anything else is invalid_argument "invalid state <x>".
Result<TaskState> task_state_from_name(std::string_view name);
// damocles' JobStage label of the step that runs in `state` ("PC1" for
// TreeDBuilt, "-" for Empty/Finished/Aborted).
const char *task_stage_label(TaskState state);

// The furthest state of `plan`'s flow whose vertices are all in `completed`:
//   add_pieces → PieceAdded, tree_d → TreeDBuilt, pc1 → PC1Done,
//   tree_c + tree_r_last + comm_r_check → PC2Done, check_sealed → SealedChecked,
//   add_new_pieces → SnapPieceAdded, tree_d_new → SnapTreeDBuilt,
//   snap_encode → SnapEncoded, snap_check → SnapDone, persist → Persisted,
//   report → Finished; nothing → Allocated. cache_only goes Allocated →
//   PC2Done (tree_r_last + comm_r_check) → Persisted → Finished; unseal goes
//   Allocated → PC1Done (pc1) → Unsealed (unseal_decode + tree_d) →
//   Persisted → Finished.
TaskState state_after(Plan plan, const std::set<VertexKind> &completed);

// The inverse: the vertices complete in `state` (what `resume --state S`
// keeps; everything after S is redone). A state outside the plan's flow, or
// Aborted, is invalid_argument.
Result<std::set<VertexKind>> completed_in_state(Plan plan, TaskState state);

} // namespace dmc::core
