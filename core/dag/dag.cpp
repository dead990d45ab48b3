// SPDX-License-Identifier: Apache-2.0
//
// Vertex kinds and plans (names, plugin stage, limit key, weight), the Dag
// accessors, and validation. A cycle is found with a depth-first search whose
// back edge names the two vertices, so the error says where the cycle is
// rather than only that there is one (boost::topological_sort's not_a_dag).
#include "damocles/core/internal/dag.hpp"

#include <algorithm>
#include <set>

#include <boost/graph/depth_first_search.hpp>
#include <boost/graph/topological_sort.hpp>

namespace dmc::core {

namespace {

struct KindInfo {
    VertexKind kind;
    const char *name;
    int stage; // dmc_stage_kind, 0 = core-internal
    const char *limit_key;
    double weight; // minutes for a 32GiB sector (docs/architecture.md §5.2 resource guide)
};

// tree_d_new takes the tree_d token and add_new_pieces the add_pieces token:
// damocles runs them as the same stages (docs/architecture.md §6.1 snap steps).
// tree_c and tree_r_last together are damocles' PC2, so both take "pc2".
const KindInfo kKinds[kVertexKindCount] = {
    {VertexKind::add_pieces, "add_pieces", 0, "add_pieces", 3.0},
    {VertexKind::tree_d, "tree_d", DMC_STAGE_TREE_D, "tree_d", 1.0},
    {VertexKind::pc1, "pc1", DMC_STAGE_PC1, "pc1", 177.0},
    {VertexKind::tree_c, "tree_c", DMC_STAGE_TREE_C, "pc2", 8.0},
    {VertexKind::tree_r_last, "tree_r_last", DMC_STAGE_TREE_R_LAST, "pc2", 5.0},
    {VertexKind::comm_r_check, "comm_r_check", 0, "", 0.01},
    {VertexKind::check_sealed, "check_sealed", DMC_STAGE_POREP_VANILLA, "c1", 1.0},
    {VertexKind::add_new_pieces, "add_new_pieces", 0, "add_pieces", 3.0},
    {VertexKind::tree_d_new, "tree_d_new", DMC_STAGE_TREE_D, "tree_d", 1.0},
    {VertexKind::snap_encode, "snap_encode", DMC_STAGE_SNAP_ENCODE, "snap_encode", 4.0},
    {VertexKind::snap_check, "snap_check", DMC_STAGE_SNAP_VANILLA, "snap_prove", 4.0},
    {VertexKind::persist, "persist", 0, "", 3.0},
    {VertexKind::report, "report", 0, "", 0.01},
    // damocles' unseal stage: replica - key, a streamed pass over the sector.
    {VertexKind::unseal_decode, "unseal_decode", 0, "unseal", 2.0},
};

const KindInfo *info(VertexKind kind)
{
    auto i = static_cast<uint32_t>(kind);
    return i < kVertexKindCount ? &kKinds[i] : nullptr;
}

const char *const kPlanNames[] = {"cc", "deal", "snap", "cache_only", "unseal"};
constexpr uint32_t kPlanCount = 5;

struct CycleFound {
    VertexId from, to;
};

struct CycleVisitor : boost::default_dfs_visitor {
    void back_edge(DagGraph::edge_descriptor e, const DagGraph &g) const
    {
        throw CycleFound{boost::source(e, g), boost::target(e, g)};
    }
};

std::string describe(const Dag &dag, VertexId v)
{
    return "vertex " + std::to_string(v) + " (" + vertex_kind_name(dag[v].kind) + " " + dag.sector_ids(v) + ")";
}

} // namespace

bool is_known_vertex_kind(VertexKind kind) { return info(kind) != nullptr; }

const char *vertex_kind_name(VertexKind kind)
{
    const auto *i = info(kind);
    return i ? i->name : "unknown";
}

Result<VertexKind> vertex_kind_from_name(std::string_view name)
{
    std::string known;
    for (const auto &k : kKinds) {
        if (name == k.name) return k.kind;
        known += known.empty() ? "" : ", ";
        known += k.name;
    }
    return make_error(Errc::invalid_argument,
                      "unknown stage '" + std::string(name) + "' (known stages: " + known + ")");
}

std::optional<dmc_stage_kind> vertex_stage_kind(VertexKind kind)
{
    const auto *i = info(kind);
    if (!i || i->stage == 0) return std::nullopt;
    return static_cast<dmc_stage_kind>(i->stage);
}

const char *vertex_limit_key(VertexKind kind)
{
    const auto *i = info(kind);
    return i ? i->limit_key : "";
}

double vertex_weight(VertexKind kind)
{
    const auto *i = info(kind);
    return i ? i->weight : 0.0;
}

const char *plan_name(Plan plan)
{
    auto i = static_cast<uint32_t>(plan);
    return i < kPlanCount ? kPlanNames[i] : "unknown";
}

Result<Plan> plan_from_name(std::string_view name)
{
    for (uint32_t i = 0; i < kPlanCount; ++i)
        if (name == kPlanNames[i]) return static_cast<Plan>(i);
    return make_error(Errc::invalid_argument,
                      "unknown plan '" + std::string(name) + "' (known plans: cc, deal, snap, cache_only, unseal)");
}

std::vector<VertexId> Dag::predecessors(VertexId v) const
{
    std::vector<VertexId> out;
    for (auto [it, end] = boost::in_edges(v, graph); it != end; ++it) out.push_back(boost::source(*it, graph));
    return out;
}

std::vector<VertexId> Dag::successors(VertexId v) const
{
    std::vector<VertexId> out;
    for (auto [it, end] = boost::out_edges(v, graph); it != end; ++it) out.push_back(boost::target(*it, graph));
    return out;
}

std::optional<VertexId> Dag::find(uint32_t sector, VertexKind kind) const
{
    for (auto [it, end] = boost::vertices(graph); it != end; ++it) {
        const auto &p = graph[*it];
        if (p.kind == kind && std::find(p.sectors.begin(), p.sectors.end(), sector) != p.sectors.end()) return *it;
    }
    return std::nullopt;
}

std::vector<VertexId> Dag::vertices_of_sector(uint32_t sector) const
{
    std::vector<VertexId> out;
    for (auto [it, end] = boost::vertices(graph); it != end; ++it) {
        const auto &s = graph[*it].sectors;
        if (std::find(s.begin(), s.end(), sector) != s.end()) out.push_back(*it);
    }
    return out;
}

std::string Dag::sector_ids(VertexId v) const
{
    std::string out;
    for (uint32_t s : graph[v].sectors) {
        if (!out.empty()) out += ",";
        out += s < sectors.size() ? sectors[s].sector_id() : "#" + std::to_string(s) + "?";
    }
    return out.empty() ? "-" : out;
}

Result<std::vector<VertexId>> topological_order(const Dag &dag)
{
    try {
        boost::depth_first_search(dag.graph, boost::visitor(CycleVisitor{}));
    } catch (const CycleFound &c) {
        return make_error(Errc::invalid_argument, "the DAG has a cycle: edge " + describe(dag, c.from) + " -> " +
                                                      describe(dag, c.to) + " closes it");
    }
    std::vector<VertexId> reversed;
    boost::topological_sort(dag.graph, std::back_inserter(reversed));
    return std::vector<VertexId>(reversed.rbegin(), reversed.rend());
}

Status validate(const Dag &dag)
{
    for (auto [it, end] = boost::vertices(dag.graph); it != end; ++it) {
        const auto &p = dag[*it];
        if (!is_known_vertex_kind(p.kind))
            return make_error(Errc::invalid_argument, "vertex " + std::to_string(*it) + " has an unknown stage kind (" +
                                                          std::to_string(static_cast<int>(p.kind)) + ")");
        if (p.sectors.empty()) return make_error(Errc::invalid_argument, describe(dag, *it) + " serves no sector");
        std::set<uint32_t> seen;
        for (uint32_t s : p.sectors) {
            if (s >= dag.sectors.size())
                return make_error(Errc::invalid_argument, describe(dag, *it) + " names sector index " +
                                                              std::to_string(s) + " but the batch has " +
                                                              std::to_string(dag.sectors.size()) + " sectors");
            if (!seen.insert(s).second)
                return make_error(Errc::invalid_argument, describe(dag, *it) + " lists a sector twice");
        }
        if (p.kind != VertexKind::pc1 && p.sectors.size() > 1)
            return make_error(Errc::invalid_argument,
                              describe(dag, *it) + " serves several sectors; only pc1 vertices can be fused");
    }
    for (auto [it, end] = boost::edges(dag.graph); it != end; ++it)
        if (boost::source(*it, dag.graph) == boost::target(*it, dag.graph))
            return make_error(Errc::invalid_argument,
                              "the DAG has a cycle: " + describe(dag, boost::source(*it, dag.graph)) +
                                  " depends on itself");
    auto order = topological_order(dag);
    if (!order) return order.error();
    return {};
}

} // namespace dmc::core
