// SPDX-License-Identifier: Apache-2.0
//
// Batches and the PC1 fusion rewrite: groups of at most max_sectors of the
// same proof type, every dependency kept, never across proof types, and
// plugin choices (name, GPU) carried into the vertices.
#include <catch2/catch.hpp>

#include <algorithm>

#include "damocles/core/internal/dag_builder.hpp"
#include "damocles/core/internal/dag_format.hpp"
#include "orchestration_helpers.hpp"

using namespace dmc::core;
using dmc::test::proof_id;
using K = VertexKind;

namespace {

StageChooser chooser_with_pc1(uint32_t max_sectors, bool gpu_trees = false, dmc::core::StageBatchHints hints = {})
{
    return [=](dmc_stage_kind kind) -> StageChoice {
        if (kind == DMC_STAGE_PC1) return {"multi", max_sectors, false, hints};
        if (kind == DMC_STAGE_TREE_C || kind == DMC_STAGE_TREE_R_LAST) return {"gpu", 1, gpu_trees, {}};
        if (kind == DMC_STAGE_SNAP_VANILLA) return {}; // no usable plugin yet
        return {"cpu", 1, false, {}};
    };
}

std::vector<SectorSpec> three_cc(const char *proof = "StackedDrg2KiBV1_1")
{
    std::vector<SectorSpec> s;
    for (uint64_t n = 1; n <= 3; ++n) s.push_back({1001, n, proof_id(proof), Plan::cc});
    return s;
}

std::vector<VertexId> pc1_vertices(const Dag &dag)
{
    std::vector<VertexId> out;
    for (VertexId v = 0; v < dag.vertex_count(); ++v)
        if (dag[v].kind == K::pc1) out.push_back(v);
    return out;
}

// Every sector's chain tree_d -> pc1 -> {tree_c, tree_r_last} still exists.
void check_pc1_dependencies(const Dag &dag)
{
    for (uint32_t s = 0; s < dag.sectors.size(); ++s) {
        auto pc1 = dag.find(s, K::pc1);
        REQUIRE(pc1);
        auto preds = dag.predecessors(*pc1);
        auto succs = dag.successors(*pc1);
        CHECK(std::count(preds.begin(), preds.end(), *dag.find(s, K::tree_d)) == 1);
        CHECK(std::count(succs.begin(), succs.end(), *dag.find(s, K::tree_c)) == 1);
        CHECK(std::count(succs.begin(), succs.end(), *dag.find(s, K::tree_r_last)) == 1);
    }
}

} // namespace

TEST_CASE("a batch without fusion keeps one PC1 per sector", "[dag]")
{
    DagBuildOptions opts;
    opts.chooser = chooser_with_pc1(1);
    auto dag = build_batch_dag(three_cc(), opts);
    REQUIRE(dag.ok());
    CHECK(dag->vertex_count() == 27);
    CHECK(dag->edge_count() == 27);
    CHECK(pc1_vertices(*dag).size() == 3);
    check_pc1_dependencies(*dag);
}

TEST_CASE("PC1 fusion with max_sectors 2 and 4 keeps every dependency", "[dag]")
{
    SECTION("max_sectors 2: {0,1} and {2}")
    {
        DagBuildOptions opts;
        opts.chooser = chooser_with_pc1(2);
        auto dag = build_batch_dag(three_cc(), opts);
        REQUIRE(dag.ok());
        auto pc1 = pc1_vertices(*dag);
        REQUIRE(pc1.size() == 2);
        CHECK((*dag)[pc1[0]].sectors == std::vector<uint32_t>{0, 1});
        CHECK((*dag)[pc1[1]].sectors == std::vector<uint32_t>{2});
        CHECK(dag->vertex_count() == 26);
        CHECK(dag->edge_count() == 27); // no dependency merged away: each edge served one sector
        CHECK(dag->predecessors(pc1[0]).size() == 2);
        CHECK(dag->successors(pc1[0]).size() == 4);
        CHECK((*dag)[pc1[0]].plugin == "multi");
        check_pc1_dependencies(*dag);
        // Fused needs: k + 2 cores, 2 S per sector + the shared parent window.
        CHECK((*dag)[pc1[0]].needs.cores == 4);
        CHECK((*dag)[pc1[0]].needs.memory_bytes == (16ull << 20) + 2 * 2 * 2048 + 56 * 64);
        CHECK((*dag)[pc1[1]].needs.cores == 3);
    }
    SECTION("max_sectors 4: one vertex for all three")
    {
        DagBuildOptions opts;
        opts.chooser = chooser_with_pc1(4);
        auto dag = build_batch_dag(three_cc(), opts);
        REQUIRE(dag.ok());
        auto pc1 = pc1_vertices(*dag);
        REQUIRE(pc1.size() == 1);
        CHECK((*dag)[pc1[0]].sectors == std::vector<uint32_t>{0, 1, 2});
        CHECK(dag->predecessors(pc1[0]).size() == 3);
        CHECK(dag->successors(pc1[0]).size() == 6);
        CHECK(dag->vertex_count() == 25);
        check_pc1_dependencies(*dag);
        CHECK(dag->sector_ids(pc1[0]) == "s-t01001-1,s-t01001-2,s-t01001-3");
    }
    SECTION("fuse_pc1 can be turned off")
    {
        DagBuildOptions opts;
        opts.chooser = chooser_with_pc1(4);
        opts.fuse_pc1 = false;
        auto dag = build_batch_dag(three_cc(), opts);
        REQUIRE(dag.ok());
        CHECK(pc1_vertices(*dag).size() == 3);
    }
}

TEST_CASE("PC1 vertices of different proof types are never fused", "[dag]")
{
    std::vector<SectorSpec> specs = {{1001, 1, proof_id("StackedDrg2KiBV1_1"), Plan::cc},
                                     {1001, 2, proof_id("StackedDrg8MiBV1_1"), Plan::cc},
                                     {1001, 3, proof_id("StackedDrg2KiBV1_1"), Plan::snap},
                                     {1001, 4, proof_id("StackedDrg2KiBV1"), Plan::deal}};
    DagBuildOptions opts;
    opts.chooser = chooser_with_pc1(4);
    auto dag = build_batch_dag(specs, opts);
    REQUIRE(dag.ok());
    auto pc1 = pc1_vertices(*dag);
    REQUIRE(pc1.size() == 3);
    CHECK((*dag)[pc1[0]].sectors == std::vector<uint32_t>{0, 2}); // same proof, cc + snap
    CHECK((*dag)[pc1[1]].sectors == std::vector<uint32_t>{1});
    CHECK((*dag)[pc1[2]].sectors == std::vector<uint32_t>{3}); // V1 is another proof than V1_1
    check_pc1_dependencies(*dag);
    // The snap sector still has its snap chain after the fused PC1.
    CHECK(dag->find(2, K::snap_encode).has_value());
    CHECK(validate(*dag).ok());
}

TEST_CASE("fusing PC1 vertices that depend on each other is refused", "[dag]")
{
    Dag dag;
    dag.sectors = {{1001, 1, proof_id("StackedDrg2KiBV1_1"), Plan::cc},
                   {1001, 2, proof_id("StackedDrg2KiBV1_1"), Plan::cc}};
    auto a = dag.add_vertex(dmc::test::vertex(K::pc1, {0}));
    auto b = dag.add_vertex(dmc::test::vertex(K::pc1, {1}));
    dag.add_edge(a, b);
    auto st = fuse_pc1(dag, 2);
    REQUIRE_FALSE(st.ok());
    CHECK_THAT(st.error().message, Catch::Contains("cycle"));
    CHECK(dag.vertex_count() == 2); // unchanged
    CHECK(fuse_pc1(dag, 1).ok());   // 1 = no fusion: nothing to refuse
}

TEST_CASE("plugin choices and GPU needs reach the vertices", "[dag]")
{
    std::vector<SectorSpec> specs = {{1001, 1, proof_id("StackedDrg2KiBV1_1"), Plan::snap}};
    DagBuildOptions opts;
    opts.chooser = chooser_with_pc1(1, true);
    auto dag = build_batch_dag(specs, opts);
    REQUIRE(dag.ok());
    const auto &tree_c = (*dag)[*dag->find(0, K::tree_c)];
    CHECK(tree_c.plugin == "gpu");
    CHECK(tree_c.needs.gpu_slots == 1);
    CHECK(tree_c.needs.cores == 1);
    CHECK((*dag)[*dag->find(0, K::persist)].plugin.empty());
    CHECK(vertex_plugin_label((*dag)[*dag->find(0, K::persist)]) == "core");
    CHECK(vertex_plugin_label((*dag)[*dag->find(0, K::snap_check)]) == "-");

    auto missing = require_plugins(*dag);
    REQUIRE_FALSE(missing.ok());
    CHECK_THAT(missing.error().message, Catch::Contains("snap_vanilla"));

    DagBuildOptions all;
    all.chooser = [](dmc_stage_kind) { return StageChoice{"cpu", 1, false, {}}; };
    auto full = build_batch_dag(specs, all);
    REQUIRE(full.ok());
    CHECK(require_plugins(*full).ok());
}

TEST_CASE("a fused PC1 vertex takes the plugin's batch hints: 3 sectors of 16 per thread on 2 cores", "[dag]")
{
    DagBuildOptions opts;
    opts.chooser = chooser_with_pc1(16, false, {16, 250});
    auto dag = build_batch_dag(three_cc("StackedDrg8MiBV1_1"), opts);
    REQUIRE(dag.ok());
    auto pc1 = pc1_vertices(*dag);
    REQUIRE(pc1.size() == 1);
    CHECK((*dag)[pc1[0]].sectors.size() == 3);
    // ceil(3/16) + 1 cores; 3 sectors > 2 cores stream at 1/4 of 8 MiB each,
    // but the estimate keeps 2 S for 2 sectors (the call's path if one drops
    // out), plus the parent window (56 N, N = 2^18).
    CHECK((*dag)[pc1[0]].needs.cores == 2);
    CHECK((*dag)[pc1[0]].needs.memory_bytes == (16ull << 20) + 2 * 2 * (8ull << 20) + 56 * (1ull << 18));
    check_pc1_dependencies(*dag);
}
