// SPDX-License-Identifier: Apache-2.0
//
// Design note: shapes, fusion and resource estimates of the rebuild DAG
// =====================================================================
//
// Shapes (docs/architecture.md §4), one chain per sector:
//   cc, deal:   add_pieces → tree_d → pc1 → {tree_c, tree_r_last} → comm_r_check
//               → check_sealed → persist → report
//   snap:       the cc chain up to check_sealed, then add_new_pieces → tree_d_new
//               → snap_encode → snap_check → persist (update/) → report
//   cache_only: tree_r_last (BUILD_ONLY, from the surviving sealed file)
//               → comm_r_check → persist → report
//   unseal:     pc1 (the key, from the registered CommD) → unseal_decode
//               (surviving replica - key) → tree_d (the registered CommD, or
//               comm_d_new for a snap sector) → persist (unsealed/) → report
// cc and deal differ only in what add_pieces writes; a snap sector's sealing
// pass is always CC (docs/architecture.md §6.1: the snap deals are added after
// CheckSealed). comm_r_check compares the rebuilt comm_d/comm_r with the
// registered ones (damocles has no such step: defect R1).
//
// Batches: the vertices of sector i are added in chain order, sector after
// sector, so vertex ids are stable for printing and tests.
//
// PC1 fusion is a rewrite made before scheduling: PC1 vertices of the same
// proof type are grouped in batch order into chunks of at most max_sectors
// (the selected pc1 plugin's dmc_stage_desc.max_sectors). The graph is
// rebuilt with each chunk as one vertex; every edge into or out of a member
// becomes an edge into or out of the chunk (duplicates merged), so no
// dependency is lost. Sectors of different proof types are never fused: the
// plugin ABI requires one registered_proof per call. The result is validated;
// fusing two PC1 vertices with a path between them would close a cycle and
// is refused with the graph unchanged.
//
// Resource estimates (S = sector size, k = sectors of the vertex, all plus a
// fixed 16 MiB for stacks, allocator and small buffers). They are working-set
// estimates used as memory-budget tokens, deliberately on the high side;
// callers may overwrite ResourceNeeds before scheduling.
//   add_pieces, add_new_pieces  1 core, min(S, 64 MiB): streamed copy + fr32 buffer
//   tree_d, tree_d_new          1 core, 1.5 S: leaves read through the page cache,
//                               upper levels in memory (damocles' guide: 47 GiB at 32 GiB)
//   pc1                         k + 2 cores (one hashing thread per sector and two
//                               parent producers, as multicore SDR), 2 S per sector
//                               (the layer being labelled and the previous one)
//                               + a parent-cache window min(56 N, 1 GiB), N = S/32,
//                               shared by the fused sectors; pinned to one NUMA node.
//                               A plugin's batch hints (ABI 1.2) replace the first
//                               two: ceil(k / sectors_per_thread) + 1 cores (room
//                               for the layer writers beside the hashing; the call
//                               gets them all as call->threads), and, when k
//                               exceeds those cores (the call then streams its
//                               layers), max(memory_permille/1000 S per sector,
//                               2 S for as many sectors as cores)
//   tree_c, tree_r_last         4 cores (1 with a GPU plugin, + 1 GPU slot), 2 S:
//                               S of column hashes / replica window, tree levels (S/7)
//                               and per-layer read windows, rounded up
//   comm_r_check, report        1 core, nothing more
//   check_sealed                2 cores, min(S, 1 GiB): challenged paths only
//   snap_encode                 4 cores (1 + GPU slot with a GPU plugin), 2 S
//   snap_check                  2 cores (1 + GPU slot with a GPU plugin), min(S, 1 GiB)
//   persist                     1 core, 64 MiB copy buffer
//   unseal_decode               1 core, 64 MiB: replica, key and data streamed
#include "damocles/core/internal/dag_builder.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include <spdlog/spdlog.h>

#include "damocles/core/plugin_registry.hpp"

namespace dmc::core {

namespace {

constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kGiB = 1ull << 30;
constexpr uint64_t kOverhead = 16 * kMiB;

using Edge = std::pair<VertexKind, VertexKind>;

std::vector<Edge> plan_edges(Plan plan)
{
    using K = VertexKind;
    if (plan == Plan::cache_only)
        return {{K::tree_r_last, K::comm_r_check}, {K::comm_r_check, K::persist}, {K::persist, K::report}};
    if (plan == Plan::unseal)
        return {{K::pc1, K::unseal_decode},
                {K::unseal_decode, K::tree_d},
                {K::tree_d, K::persist},
                {K::persist, K::report}};
    std::vector<Edge> e = {
        {K::add_pieces, K::tree_d},        {K::tree_d, K::pc1},          {K::pc1, K::tree_c},
        {K::pc1, K::tree_r_last},          {K::tree_c, K::comm_r_check}, {K::tree_r_last, K::comm_r_check},
        {K::comm_r_check, K::check_sealed}};
    if (plan == Plan::snap) {
        e.insert(e.end(), {{K::check_sealed, K::add_new_pieces},
                           {K::add_new_pieces, K::tree_d_new},
                           {K::tree_d_new, K::snap_encode},
                           {K::snap_encode, K::snap_check},
                           {K::snap_check, K::persist}});
    } else {
        e.push_back({K::check_sealed, K::persist});
    }
    e.push_back({K::persist, K::report});
    return e;
}

class ChoiceCache {
public:
    explicit ChoiceCache(const StageChooser &chooser) : chooser_(chooser) {}
    StageChoice get(VertexKind kind)
    {
        auto stage = vertex_stage_kind(kind);
        if (!stage || !chooser_) return {};
        auto it = cache_.find(*stage);
        if (it == cache_.end()) it = cache_.emplace(*stage, chooser_(*stage)).first;
        return it->second;
    }

private:
    const StageChooser &chooser_;
    std::map<dmc_stage_kind, StageChoice> cache_;
};

} // namespace

StageChooser registry_stage_chooser(const PluginRegistry &registry, std::map<std::string, std::string> overrides)
{
    return [&registry, overrides = std::move(overrides)](dmc_stage_kind kind) -> StageChoice {
        auto handle = registry.select(kind, overrides);
        if (!handle) {
            spdlog::debug("no plugin for stage {}: {}", stage_kind_name(kind), handle.error().message);
            return {};
        }
        StageChoice c{handle->plugin_name(), std::max<uint32_t>(1, handle->max_sectors()), false,
                      handle->batch_hints()};
        for (const auto &p : registry.plugins())
            if (p.usable && p.name == c.plugin) c.gpu = p.gpu_need == DMC_GPU_CUDA;
        return c;
    };
}

std::vector<VertexKind> plan_vertex_kinds(Plan plan)
{
    using K = VertexKind;
    switch (plan) {
    case Plan::cache_only: return {K::tree_r_last, K::comm_r_check, K::persist, K::report};
    case Plan::unseal: return {K::pc1, K::unseal_decode, K::tree_d, K::persist, K::report};
    case Plan::snap:
        return {K::add_pieces,   K::tree_d,         K::pc1,        K::tree_c,      K::tree_r_last, K::comm_r_check,
                K::check_sealed, K::add_new_pieces, K::tree_d_new, K::snap_encode, K::snap_check,  K::persist,
                K::report};
    case Plan::cc:
    case Plan::deal: break;
    }
    return {K::add_pieces,   K::tree_d,       K::pc1,     K::tree_c, K::tree_r_last,
            K::comm_r_check, K::check_sealed, K::persist, K::report};
}

namespace {

// pc1's cores and memory for k sectors (see the table above). With hints,
// the call gets call->threads = the cores and streams when it has more
// sectors than that; but the vertex may run fewer sectors than it was sized
// for (a sibling failed upstream, or finished its PC1 before a crash), and
// a call with no more sectors than threads keeps 2 S per sector, so the
// streaming estimate is never below that of `cores` such sectors.
void pc1_needs(uint64_t s, uint32_t k, const StageBatchHints &hints, ResourceNeeds &n)
{
    n.cores = k + 2;
    uint64_t layers = 2 * s * k;
    if (hints.sectors_per_thread > 0) {
        n.cores = (k - 1) / hints.sectors_per_thread + 2;
        if (k > n.cores && hints.memory_permille > 0) {
            // permille is capped at 2000 (2 S), so s · permille stays far below 2^64.
            const uint64_t streamed = s * std::min<uint32_t>(hints.memory_permille, 2000) / 1000 * k;
            layers = std::max(streamed, 2 * s * n.cores);
        }
    }
    n.memory_bytes += layers + std::min<uint64_t>(56 * (s / 32), kGiB);
}

} // namespace

ResourceNeeds estimate_needs(VertexKind kind, const SealProof &proof, uint32_t sectors, bool gpu,
                             const StageBatchHints &hints)
{
    const uint64_t s = proof.sector_size;
    const uint32_t k = std::max<uint32_t>(1, sectors);
    ResourceNeeds n;
    n.limit_key = vertex_limit_key(kind);
    n.memory_bytes = kOverhead;
    using K = VertexKind;
    switch (kind) {
    case K::add_pieces:
    case K::add_new_pieces: n.memory_bytes += std::min<uint64_t>(s, 64 * kMiB); break;
    case K::tree_d:
    case K::tree_d_new: n.memory_bytes += s + s / 2; break;
    case K::pc1:
        pc1_needs(s, k, hints, n);
        n.numa_pinned = true;
        break;
    case K::tree_c:
    case K::tree_r_last:
    case K::snap_encode:
        n.cores = gpu ? 1 : 4;
        n.gpu_slots = gpu ? 1 : 0;
        n.memory_bytes += 2 * s;
        break;
    case K::check_sealed:
        n.cores = 2;
        n.memory_bytes += std::min<uint64_t>(s, kGiB);
        break;
    case K::snap_check:
        n.cores = gpu ? 1 : 2;
        n.gpu_slots = gpu ? 1 : 0;
        n.memory_bytes += std::min<uint64_t>(s, kGiB);
        break;
    case K::persist:
    case K::unseal_decode: n.memory_bytes += 64 * kMiB; break;
    case K::comm_r_check:
    case K::report: break;
    }
    return n;
}

Result<Dag> build_batch_dag(const std::vector<SectorSpec> &specs, const DagBuildOptions &opts)
{
    if (specs.empty()) return make_error(Errc::invalid_argument, "no sectors to build a DAG for");
    Dag dag;
    dag.sectors = specs;
    ChoiceCache choices(opts.chooser);
    for (uint32_t i = 0; i < specs.size(); ++i) {
        const auto &spec = specs[i];
        auto proof = find_seal_proof(spec.proof_id);
        if (!proof) return proof.error().context("sector " + spec.sector_id());
        std::map<VertexKind, VertexId> ids;
        for (VertexKind kind : plan_vertex_kinds(spec.plan)) {
            auto choice = choices.get(kind);
            VertexProps p;
            p.kind = kind;
            p.sectors = {i};
            p.needs = estimate_needs(kind, **proof, 1, choice.gpu, choice.hints);
            p.plugin = choice.plugin;
            p.weight = estimate_weight(kind, **proof, choice.gpu);
            ids[kind] = dag.add_vertex(std::move(p));
        }
        for (auto [from, to] : plan_edges(spec.plan)) dag.add_edge(ids.at(from), ids.at(to));
    }
    if (opts.fuse_pc1 && opts.chooser) {
        auto pc1 = choices.get(VertexKind::pc1);
        DMC_TRY_VOID(fuse_pc1(dag, pc1.max_sectors, pc1.hints));
    }
    DMC_TRY_VOID(validate(dag));
    return dag;
}

double estimate_weight(VertexKind kind, const SealProof &proof, bool gpu)
{
    // ~40 ns per SHA-256 compression, ~20 ns per Fr multiplication;
    // Poseidon: 584 muls (arity 2), 2004 (arity 8), 2922 (arity 11).
    const double sha = 40, fr = 20, gpu_factor = gpu ? 1.0 / 50 : 1.0;
    const double column = (proof.layers <= 2 ? 584 : 2922) * fr;
    const double tree = 2004.0 / 7 * fr; // arity-8 nodes per leaf
    switch (kind) {
    case VertexKind::add_pieces:
    case VertexKind::add_new_pieces: return 2 * sha;
    case VertexKind::tree_d:
    case VertexKind::tree_d_new: return 2 * sha;
    case VertexKind::pc1: return 20.0 * proof.layers * sha;
    case VertexKind::tree_c: return (column + tree) * gpu_factor;
    case VertexKind::tree_r_last:
    case VertexKind::snap_encode: return tree * gpu_factor + 5;
    case VertexKind::check_sealed:
    case VertexKind::snap_check: return 1;
    case VertexKind::persist: return 30;
    case VertexKind::unseal_decode: return 10;
    case VertexKind::comm_r_check:
    case VertexKind::report: return 0.1;
    }
    return 1;
}

Status fuse_pc1(Dag &dag, uint32_t max_sectors, const StageBatchHints &hints)
{
    if (max_sectors <= 1) return {};
    const size_t n = dag.vertex_count();

    // Chunks of single-sector PC1 vertices per proof type, in vertex order.
    std::vector<std::pair<uint64_t, std::vector<VertexId>>> groups;
    for (VertexId v = 0; v < n; ++v) {
        const auto &p = dag[v];
        if (p.kind != VertexKind::pc1 || p.sectors.size() != 1 || p.sectors[0] >= dag.sectors.size()) continue;
        uint64_t proof = dag.sectors[p.sectors[0]].proof_id;
        auto it = std::find_if(groups.begin(), groups.end(),
                               [&](const auto &g) { return g.first == proof && g.second.size() < max_sectors; });
        if (it == groups.end())
            groups.push_back({proof, {v}});
        else
            it->second.push_back(v);
    }

    std::vector<int64_t> chunk_of(n, -1);
    for (size_t g = 0; g < groups.size(); ++g)
        if (groups[g].second.size() > 1)
            for (VertexId v : groups[g].second) chunk_of[v] = static_cast<int64_t>(g);

    Dag out;
    out.sectors = dag.sectors;
    std::vector<VertexId> map(n);
    std::vector<bool> chunk_added(groups.size(), false);
    std::vector<VertexId> chunk_vertex(groups.size());
    for (VertexId v = 0; v < n; ++v) {
        int64_t g = chunk_of[v];
        if (g < 0) {
            map[v] = out.add_vertex(dag[v]);
            continue;
        }
        if (!chunk_added[g]) {
            const auto &members = groups[g].second;
            VertexProps fused = dag[members.front()];
            fused.sectors.clear();
            for (VertexId m : members) fused.sectors.push_back(dag[m].sectors[0]);
            auto proof = find_seal_proof(groups[g].first);
            if (!proof) return proof.error().context("fusing PC1 vertices");
            fused.needs = estimate_needs(VertexKind::pc1, **proof, static_cast<uint32_t>(members.size()),
                                         dag[members.front()].needs.gpu_slots > 0, hints);
            chunk_vertex[g] = out.add_vertex(std::move(fused));
            chunk_added[g] = true;
        }
        map[v] = chunk_vertex[g];
    }
    std::set<std::pair<VertexId, VertexId>> seen;
    for (auto [it, end] = boost::edges(dag.graph); it != end; ++it) {
        VertexId a = map[boost::source(*it, dag.graph)], b = map[boost::target(*it, dag.graph)];
        if (seen.insert({a, b}).second) out.add_edge(a, b);
    }
    if (auto st = validate(out); !st) return st.error().context("fusing PC1 vertices would break the DAG");
    dag = std::move(out);
    return {};
}

Status require_plugins(const Dag &dag)
{
    std::set<std::string> missing;
    for (auto [it, end] = boost::vertices(dag.graph); it != end; ++it) {
        const auto &p = dag[*it];
        if (vertex_stage_kind(p.kind) && p.plugin.empty()) missing.insert(stage_kind_name(*vertex_stage_kind(p.kind)));
    }
    if (missing.empty()) return {};
    std::string list;
    for (const auto &m : missing) list += (list.empty() ? "" : ", ") + m;
    return make_error(Errc::unsupported,
                      "no usable plugin for stage(s) " + list + " (see `damocles-run plugins list`)");
}

} // namespace dmc::core
