// SPDX-License-Identifier: Apache-2.0
//
// Per-sector DAG shapes (docs/architecture.md §4), validation (cycles, unknown
// stages) and the resource estimates, checked against values written out by
// hand from the formulas of core/dag/dag_builder.cpp.
#include <catch2/catch.hpp>

#include <algorithm>

#include "damocles/core/internal/dag.hpp"
#include "damocles/core/internal/dag_builder.hpp"
#include "orchestration_helpers.hpp"

using namespace dmc::core;
using dmc::test::kind_edges;
using dmc::test::proof_id;
using K = VertexKind;

namespace {

std::vector<K> kinds_in_order(const Dag &dag)
{
    std::vector<K> out;
    for (VertexId v = 0; v < dag.vertex_count(); ++v) out.push_back(dag[v].kind);
    return out;
}

Dag build_one(Plan plan, const char *proof = "StackedDrg2KiBV1_1")
{
    auto dag = build_batch_dag({{1001, 7, proof_id(proof), plan}});
    REQUIRE(dag.ok());
    return std::move(dag).value();
}

using EdgeSet = std::set<std::tuple<K, K, uint32_t>>;

const EdgeSet kSealEdges = {
    {K::add_pieces, K::tree_d, 0},         {K::tree_d, K::pc1, 0},          {K::pc1, K::tree_c, 0},
    {K::pc1, K::tree_r_last, 0},           {K::tree_c, K::comm_r_check, 0}, {K::tree_r_last, K::comm_r_check, 0},
    {K::comm_r_check, K::check_sealed, 0},
};

} // namespace

TEST_CASE("cc and deal sectors get the sealing chain", "[dag]")
{
    for (Plan plan : {Plan::cc, Plan::deal}) {
        Dag dag = build_one(plan);
        CHECK(kinds_in_order(dag) == std::vector<K>{K::add_pieces, K::tree_d, K::pc1, K::tree_c, K::tree_r_last,
                                                    K::comm_r_check, K::check_sealed, K::persist, K::report});
        EdgeSet expected = kSealEdges;
        expected.insert({K::check_sealed, K::persist, 0});
        expected.insert({K::persist, K::report, 0});
        CHECK(kind_edges(dag) == expected);
        CHECK(dag.edge_count() == 9);
        CHECK(dag.sectors[0].sector_id() == "s-t01001-7");
        CHECK(validate(dag).ok());
    }
}

TEST_CASE("snap sectors continue after check_sealed with the snap steps", "[dag]")
{
    Dag dag = build_one(Plan::snap);
    CHECK(dag.vertex_count() == 13);
    EdgeSet expected = kSealEdges;
    expected.insert({K::check_sealed, K::add_new_pieces, 0});
    expected.insert({K::add_new_pieces, K::tree_d_new, 0});
    expected.insert({K::tree_d_new, K::snap_encode, 0});
    expected.insert({K::snap_encode, K::snap_check, 0});
    expected.insert({K::snap_check, K::persist, 0});
    expected.insert({K::persist, K::report, 0});
    CHECK(kind_edges(dag) == expected);
}

TEST_CASE("cache_only rebuilds tree_r_last from the sealed file and persists", "[dag]")
{
    Dag dag = build_one(Plan::cache_only);
    CHECK(kinds_in_order(dag) == std::vector<K>{K::tree_r_last, K::comm_r_check, K::persist, K::report});
    CHECK(kind_edges(dag) ==
          EdgeSet{{K::tree_r_last, K::comm_r_check, 0}, {K::comm_r_check, K::persist, 0}, {K::persist, K::report, 0}});
}

TEST_CASE("unseal regenerates the key, decodes the surviving replica and checks its CommD", "[dag]")
{
    Dag dag = build_one(Plan::unseal);
    CHECK(kinds_in_order(dag) == std::vector<K>{K::pc1, K::unseal_decode, K::tree_d, K::persist, K::report});
    CHECK(kind_edges(dag) == EdgeSet{{K::pc1, K::unseal_decode, 0},
                                     {K::unseal_decode, K::tree_d, 0},
                                     {K::tree_d, K::persist, 0},
                                     {K::persist, K::report, 0}});
    CHECK(std::string(vertex_limit_key(K::unseal_decode)) == "unseal");
    CHECK_FALSE(vertex_stage_kind(K::unseal_decode).has_value());
}

TEST_CASE("topological order puts every vertex after its predecessors", "[dag]")
{
    auto dag = build_batch_dag(
        {{1001, 1, proof_id("StackedDrg2KiBV1_1"), Plan::snap}, {1001, 2, proof_id("StackedDrg2KiBV1_1"), Plan::cc}});
    REQUIRE(dag.ok());
    auto order = topological_order(*dag);
    REQUIRE(order.ok());
    REQUIRE(order->size() == dag->vertex_count());
    std::vector<size_t> pos(order->size());
    for (size_t i = 0; i < order->size(); ++i) pos[(*order)[i]] = i;
    for (auto [it, end] = boost::edges(dag->graph); it != end; ++it)
        CHECK(pos[boost::source(*it, dag->graph)] < pos[boost::target(*it, dag->graph)]);
}

TEST_CASE("a cycle is rejected with the vertices that close it", "[dag]")
{
    Dag dag;
    dag.sectors = {{1001, 1, proof_id("StackedDrg2KiBV1_1"), Plan::cc}};
    auto a = dag.add_vertex(dmc::test::vertex(K::tree_d, {0}));
    auto b = dag.add_vertex(dmc::test::vertex(K::pc1, {0}));
    auto c = dag.add_vertex(dmc::test::vertex(K::tree_c, {0}));
    dag.add_edge(a, b);
    dag.add_edge(b, c);
    CHECK(validate(dag).ok());
    dag.add_edge(c, a);
    auto st = validate(dag);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == dmc::Errc::invalid_argument);
    CHECK_THAT(st.error().message, Catch::Contains("cycle"));
    CHECK_THAT(st.error().message, Catch::Contains("s-t01001-1"));
    CHECK_FALSE(topological_order(dag).ok());

    Dag self;
    self.sectors = dag.sectors;
    auto v = self.add_vertex(dmc::test::vertex(K::pc1, {0}));
    self.add_edge(v, v);
    auto st2 = validate(self);
    REQUIRE_FALSE(st2.ok());
    CHECK_THAT(st2.error().message, Catch::Contains("depends on itself"));
}

TEST_CASE("unknown stages and bad vertices are rejected clearly", "[dag]")
{
    auto bad = vertex_kind_from_name("pc3");
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error().message, Catch::Contains("unknown stage 'pc3'"));
    CHECK_THAT(bad.error().message, Catch::Contains("tree_r_last"));
    for (uint32_t i = 0; i < kVertexKindCount; ++i) {
        auto k = static_cast<K>(i);
        auto back = vertex_kind_from_name(vertex_kind_name(k));
        REQUIRE(back.ok());
        CHECK(*back == k);
    }

    Dag dag;
    dag.sectors = {{1001, 1, proof_id("StackedDrg2KiBV1_1"), Plan::cc}};
    dag.add_vertex(dmc::test::vertex(static_cast<K>(99), {0}));
    auto st = validate(dag);
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.error().message, Catch::Contains("unknown stage kind"));

    Dag out_of_range;
    out_of_range.sectors = dag.sectors;
    out_of_range.add_vertex(dmc::test::vertex(K::pc1, {3}));
    CHECK_THAT(validate(out_of_range).error().message, Catch::Contains("sector index 3"));

    Dag fused_tree_c;
    fused_tree_c.sectors = {dag.sectors[0], dag.sectors[0]};
    fused_tree_c.add_vertex(dmc::test::vertex(K::tree_c, {0, 1}));
    CHECK_THAT(validate(fused_tree_c).error().message, Catch::Contains("only pc1"));

    auto plan = plan_from_name("rebuild");
    REQUIRE_FALSE(plan.ok());
    CHECK_THAT(plan.error().message, Catch::Contains("cache_only"));
}

TEST_CASE("an empty batch or an unknown proof id cannot be built", "[dag]")
{
    CHECK(build_batch_dag({}).error().code == dmc::Errc::invalid_argument);
    auto r = build_batch_dag({{1001, 5, 9999, Plan::cc}});
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("s-t01001-5"));
}

TEST_CASE("limit keys and plugin stages follow damocles' stage names", "[dag]")
{
    CHECK(std::string(vertex_limit_key(K::tree_d)) == "tree_d");
    CHECK(std::string(vertex_limit_key(K::tree_d_new)) == "tree_d");
    CHECK(std::string(vertex_limit_key(K::pc1)) == "pc1");
    CHECK(std::string(vertex_limit_key(K::tree_c)) == "pc2");
    CHECK(std::string(vertex_limit_key(K::tree_r_last)) == "pc2");
    CHECK(std::string(vertex_limit_key(K::check_sealed)) == "c1");
    CHECK(std::string(vertex_limit_key(K::snap_encode)) == "snap_encode");
    CHECK(std::string(vertex_limit_key(K::snap_check)) == "snap_prove");
    CHECK(std::string(vertex_limit_key(K::add_pieces)) == "add_pieces");
    CHECK(std::string(vertex_limit_key(K::persist)).empty());
    CHECK(std::string(vertex_limit_key(K::comm_r_check)).empty());
    CHECK(vertex_stage_kind(K::pc1) == DMC_STAGE_PC1);
    CHECK(vertex_stage_kind(K::check_sealed) == DMC_STAGE_POREP_VANILLA);
    CHECK(vertex_stage_kind(K::snap_check) == DMC_STAGE_SNAP_VANILLA);
    CHECK_FALSE(vertex_stage_kind(K::persist).has_value());
    CHECK_FALSE(vertex_stage_kind(K::comm_r_check).has_value());
    // PC1 dominates the weight of a sector.
    for (uint32_t i = 0; i < kVertexKindCount; ++i)
        if (static_cast<K>(i) != K::pc1) CHECK(vertex_weight(static_cast<K>(i)) * 10 < vertex_weight(K::pc1));
}

TEST_CASE("resource estimates follow the documented formulas", "[dag]")
{
    constexpr uint64_t MiB = 1ull << 20, GiB = 1ull << 30;
    auto p32 = dmc::find_seal_proof("StackedDrg32GiBV1_1");
    REQUIRE(p32.ok());
    const auto &proof = **p32;
    REQUIRE(proof.sector_size == 32 * GiB);

    auto pc1 = estimate_needs(K::pc1, proof, 1, false);
    CHECK(pc1.cores == 3);
    CHECK(pc1.memory_bytes == 16 * MiB + 64 * GiB + 1 * GiB); // 2 S + parent window (56 N = 56 GiB, capped at 1 GiB)
    CHECK(pc1.numa_pinned);
    CHECK(pc1.limit_key == "pc1");
    auto pc1x4 = estimate_needs(K::pc1, proof, 4, false);
    CHECK(pc1x4.cores == 6);
    CHECK(pc1x4.memory_bytes == 16 * MiB + 4 * 64 * GiB + 1 * GiB);

    auto tree_d = estimate_needs(K::tree_d, proof, 1, false);
    CHECK(tree_d.memory_bytes == 16 * MiB + 48 * GiB);
    auto tree_c_cpu = estimate_needs(K::tree_c, proof, 1, false);
    CHECK(tree_c_cpu.cores == 4);
    CHECK(tree_c_cpu.gpu_slots == 0);
    CHECK(tree_c_cpu.memory_bytes == 16 * MiB + 64 * GiB);
    auto tree_r_gpu = estimate_needs(K::tree_r_last, proof, 1, true);
    CHECK(tree_r_gpu.cores == 1);
    CHECK(tree_r_gpu.gpu_slots == 1);
    CHECK(estimate_needs(K::check_sealed, proof, 1, false).memory_bytes == 16 * MiB + 1 * GiB);
    CHECK(estimate_needs(K::add_pieces, proof, 1, false).memory_bytes == 16 * MiB + 64 * MiB);
    CHECK(estimate_needs(K::persist, proof, 1, false).memory_bytes == 16 * MiB + 64 * MiB);
    CHECK(estimate_needs(K::report, proof, 1, false).memory_bytes == 16 * MiB);
    CHECK_FALSE(estimate_needs(K::tree_c, proof, 1, false).numa_pinned);

    // 2KiB: the parent window is the whole cache (56 N bytes, N = 64 nodes).
    auto p2 = dmc::find_seal_proof("StackedDrg2KiBV1_1");
    REQUIRE(p2.ok());
    CHECK(estimate_needs(K::pc1, **p2, 1, false).memory_bytes == 16 * MiB + 2 * 2048 + 56 * 64);
}

TEST_CASE("pc1 batch hints: ceil(k / sectors_per_thread) + 1 cores, memory_permille when k exceeds them", "[dag]")
{
    constexpr uint64_t MiB = 1ull << 20, GiB = 1ull << 30;
    auto p32 = dmc::find_seal_proof("StackedDrg32GiBV1_1");
    REQUIRE(p32.ok());
    const auto &proof = **p32;
    const dmc::core::StageBatchHints avx{16, 250};

    auto x16 = estimate_needs(K::pc1, proof, 16, false, avx);
    CHECK(x16.cores == 2);                                        // room for the layer writers beside the hashing
    CHECK(x16.memory_bytes == 16 * MiB + 16 * 8 * GiB + 1 * GiB); // 0.25 S per sector
    CHECK(x16.numa_pinned);
    auto x17 = estimate_needs(K::pc1, proof, 17, false, avx);
    CHECK(x17.cores == 3);
    CHECK(x17.memory_bytes == 16 * MiB + 3 * 64 * GiB + 1 * GiB); // 2 S for each of the 3 threads > 17 · S/4
    // 3 sectors stream, but if one drops out before the call the other two
    // run on 2 threads at 2 S each: the estimate covers that (4 S > 3/4 S).
    auto x3 = estimate_needs(K::pc1, proof, 3, false, avx);
    CHECK(x3.cores == 2);
    CHECK(x3.memory_bytes == 16 * MiB + 2 * 64 * GiB + 1 * GiB);
    // Hints beyond reason are capped: never above 2 S per sector, no wrap.
    auto huge = estimate_needs(K::pc1, proof, 16, false, {0xffffffffu, 0xffffffffu});
    CHECK(huge.cores == 2);
    CHECK(huge.memory_bytes == 16 * MiB + 16 * 64 * GiB + 1 * GiB);
    // No more sectors than threads: the call keeps two layers per sector (2 S).
    auto x2 = estimate_needs(K::pc1, proof, 2, false, avx);
    CHECK(x2.cores == 2);
    CHECK(x2.memory_bytes == 16 * MiB + 2 * 64 * GiB + 1 * GiB);
    auto x1 = estimate_needs(K::pc1, proof, 1, false, avx);
    CHECK(x1.cores == 2);
    CHECK(x1.memory_bytes == 16 * MiB + 64 * GiB + 1 * GiB);
    // Threads hinted but no memory figure: 2 S per sector, the default.
    CHECK(estimate_needs(K::pc1, proof, 16, false, {16, 0}).memory_bytes == 16 * MiB + 16 * 64 * GiB + 1 * GiB);
    // Hints only concern pc1.
    CHECK(estimate_needs(K::tree_c, proof, 1, false, avx).cores == 4);
}

TEST_CASE("dag accessors find vertices by sector and kind", "[dag]")
{
    auto dag = build_batch_dag({{1001, 1, proof_id("StackedDrg2KiBV1_1"), Plan::cc},
                                {1001, 2, proof_id("StackedDrg2KiBV1_1"), Plan::cache_only}});
    REQUIRE(dag.ok());
    CHECK(dag->vertices_of_sector(0).size() == 9);
    CHECK(dag->vertices_of_sector(1).size() == 4);
    auto pc1 = dag->find(0, K::pc1);
    REQUIRE(pc1);
    CHECK(dag->predecessors(*pc1) == std::vector<VertexId>{*dag->find(0, K::tree_d)});
    auto succ = dag->successors(*pc1);
    std::sort(succ.begin(), succ.end());
    CHECK(succ == std::vector<VertexId>{*dag->find(0, K::tree_c), *dag->find(0, K::tree_r_last)});
    CHECK_FALSE(dag->find(1, K::pc1).has_value());
    CHECK(dag->sector_ids(*dag->find(1, K::report)) == "s-t01001-2");
}
