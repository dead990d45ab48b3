// SPDX-License-Identifier: Apache-2.0
//
// The vocabulary shared by the rebuild DAG, the scheduler and the engine's
// callers: the kinds of step a sector goes through, the plan that decides
// which steps, a sector's identity, the cancel flag handed down to plugins
// and how a sector's run ended. Plain data, no Boost or TBB (the DAG itself
// is internal/dag.hpp).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "damocles/plugin.h"
#include "damocles/sdk/result.hpp"

namespace dmc::core {

// One kind per step of the rebuild flow. The order is the order of the
// CC/deal/snap chains; it is also the on-disk value in resume records, so new
// kinds are only ever appended.
enum class VertexKind : uint8_t {
    add_pieces,
    tree_d,
    pc1,
    tree_c,
    tree_r_last,
    comm_r_check,
    check_sealed,
    add_new_pieces,
    tree_d_new,
    snap_encode,
    snap_check,
    persist,
    report,
    unseal_decode,
};
inline constexpr uint32_t kVertexKindCount = 14;

bool is_known_vertex_kind(VertexKind kind);
// "add_pieces", "pc1", ... ("unknown" for a value outside the enum).
const char *vertex_kind_name(VertexKind kind);
// Unknown name -> invalid_argument listing the known names.
Result<VertexKind> vertex_kind_from_name(std::string_view name);
// Plugin stage kind that implements the vertex, nullopt for core-internal ones
// (add_pieces, comm_r_check, add_new_pieces, persist, report, unseal_decode).
std::optional<dmc_stage_kind> vertex_stage_kind(VertexKind kind);
// Key in [processors.limitation.concurrent] whose token the vertex takes,
// "" for none (docs/architecture.md §5.2: persist takes no stage token).
const char *vertex_limit_key(VertexKind kind);
// Relative cost for progress and ETA (minutes of a 32GiB sector on a typical
// host, docs/architecture.md §5.2); PC1 dominates.
double vertex_weight(VertexKind kind);

// What must be rebuilt for a sector. cache_only: the sealed replica survived,
// only its cache (tree_r_last, p_aux, t_aux) is rebuilt from it. unseal: the
// sealed (or updated) replica survived and only its unsealed copy is made,
// by decoding it with the key PC1 regenerates (docs/architecture.md §4.2).
enum class Plan : uint8_t { cc, deal, snap, cache_only, unseal };
const char *plan_name(Plan plan);
Result<Plan> plan_from_name(std::string_view name);

// s-t0<miner>-<number> (docs/architecture.md §11).
std::string sector_id_string(uint64_t miner, uint64_t number);

struct SectorSpec {
    uint64_t miner = 0;
    uint64_t number = 0;
    uint64_t proof_id = 0; // RegisteredSealProof
    Plan plan = Plan::cc;

    std::string sector_id() const { return sector_id_string(miner, number); }
};

// Non-zero = stop. Layout-compatible with dmc_call::cancel
// (const volatile int32_t *): see VertexContext::abi_cancel().
using CancelFlag = std::atomic<int32_t>;
static_assert(sizeof(CancelFlag) == sizeof(int32_t) && CancelFlag::is_always_lock_free,
              "the cancel flag is handed to plugins as a plain int32_t");

enum class SectorOutcome { ok, failed, cancelled };
const char *sector_outcome_name(SectorOutcome outcome);

} // namespace dmc::core
