// SPDX-License-Identifier: Apache-2.0
//
// State names and the vertex → state mapping. Each plan's flow is a list of
// (state, vertices that complete it) in order; a state is reached when its
// vertices and those of every earlier state are complete.
#include "damocles/core/task_state.hpp"

#include <string>
#include <utility>
#include <vector>

namespace dmc::core {

namespace {

struct StateInfo {
    const char *name;
    const char *stage; // JobStage of the step run in this state (docs/architecture.md §6.1)
};

const StateInfo kStates[kTaskStateCount] = {
    {"Empty", "-"},
    {"Allocated", "AddPieces"},
    {"PieceAdded", "TreeD"},
    {"TreeDBuilt", "PC1"},
    {"PC1Done", "PC2"},
    {"PC2Done", "C1"},
    {"SealedChecked", "PrepareForSnapup"},
    {"SnapPieceAdded", "TreeD"},
    {"SnapTreeDBuilt", "SnapEncode"},
    {"SnapEncoded", "SnapProve"},
    {"SnapDone", "PersistFiles"},
    {"Persisted", "SubmitPersisted"},
    {"Finished", "-"},
    {"Aborted", "-"},
    {"Unsealed", "PersistFiles"},
};

using Step = std::pair<TaskState, std::vector<VertexKind>>;

std::vector<Step> flow(Plan plan)
{
    using K = VertexKind;
    using S = TaskState;
    if (plan == Plan::cache_only)
        return {{S::allocated, {}},
                {S::pc2_done, {K::tree_r_last, K::comm_r_check}},
                {S::persisted, {K::persist}},
                {S::finished, {K::report}}};
    if (plan == Plan::unseal)
        return {{S::allocated, {}},
                {S::pc1_done, {K::pc1}},
                {S::unsealed, {K::unseal_decode, K::tree_d}},
                {S::persisted, {K::persist}},
                {S::finished, {K::report}}};
    std::vector<Step> f = {{S::allocated, {}},
                           {S::piece_added, {K::add_pieces}},
                           {S::tree_d_built, {K::tree_d}},
                           {S::pc1_done, {K::pc1}},
                           {S::pc2_done, {K::tree_c, K::tree_r_last, K::comm_r_check}},
                           {S::sealed_checked, {K::check_sealed}}};
    if (plan == Plan::snap) {
        f.push_back({S::snap_piece_added, {K::add_new_pieces}});
        f.push_back({S::snap_tree_d_built, {K::tree_d_new}});
        f.push_back({S::snap_encoded, {K::snap_encode}});
        f.push_back({S::snap_done, {K::snap_check}});
    }
    f.push_back({S::persisted, {K::persist}});
    f.push_back({S::finished, {K::report}});
    return f;
}

} // namespace

const char *task_state_name(TaskState state)
{
    auto i = static_cast<uint32_t>(state);
    return i < kTaskStateCount ? kStates[i].name : "unknown";
}

Result<TaskState> task_state_from_name(std::string_view name)
{
    for (uint32_t i = 0; i < kTaskStateCount; ++i)
        if (name == kStates[i].name) return static_cast<TaskState>(i);
    return make_error(Errc::invalid_argument, "invalid state " + std::string(name));
}

const char *task_stage_label(TaskState state)
{
    auto i = static_cast<uint32_t>(state);
    return i < kTaskStateCount ? kStates[i].stage : "-";
}

TaskState state_after(Plan plan, const std::set<VertexKind> &completed)
{
    TaskState reached = TaskState::allocated;
    for (const auto &[state, kinds] : flow(plan)) {
        for (VertexKind k : kinds)
            if (!completed.count(k)) return reached;
        reached = state;
    }
    return reached;
}

Result<std::set<VertexKind>> completed_in_state(Plan plan, TaskState state)
{
    if (state == TaskState::empty) return std::set<VertexKind>{};
    std::set<VertexKind> out;
    for (const auto &[s, kinds] : flow(plan)) {
        out.insert(kinds.begin(), kinds.end());
        if (s == state) return out;
    }
    return make_error(Errc::invalid_argument, std::string("state ") + task_state_name(state) + " is not part of the " +
                                                  plan_name(plan) + " rebuild flow");
}

} // namespace dmc::core
