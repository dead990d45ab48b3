// SPDX-License-Identifier: Apache-2.0
//
// Text and Graphviz output of `damocles-run dag show`.
#include <catch2/catch.hpp>

#include <sstream>

#include "damocles/core/internal/dag_builder.hpp"
#include "damocles/core/internal/dag_format.hpp"
#include "orchestration_helpers.hpp"

using namespace dmc::core;
using dmc::test::proof_id;

namespace {

Dag fused_batch()
{
    std::vector<SectorSpec> specs = {{1001, 1, proof_id("StackedDrg2KiBV1_1"), Plan::cc},
                                     {1001, 2, proof_id("StackedDrg2KiBV1_1"), Plan::cc}};
    DagBuildOptions opts;
    opts.chooser = [](dmc_stage_kind kind) -> StageChoice {
        if (kind == DMC_STAGE_PC1) return {"avx512", 2, false, {}};
        if (kind == DMC_STAGE_POREP_VANILLA) return {};
        return {"cpu", 1, false, {}};
    };
    auto dag = build_batch_dag(specs, opts);
    REQUIRE(dag.ok());
    return std::move(dag).value();
}

size_t count_lines_with(const std::string &text, const std::string &needle)
{
    std::istringstream in(text);
    size_t n = 0;
    for (std::string line; std::getline(in, line);)
        if (line.find(needle) != std::string::npos) ++n;
    return n;
}

} // namespace

TEST_CASE("format_bytes uses binary units", "[dag]")
{
    CHECK(format_bytes(512) == "512B");
    CHECK(format_bytes(2048) == "2KiB");
    CHECK(format_bytes(64ull << 20) == "64MiB");
    CHECK(format_bytes(3ull << 29) == "1.5GiB");
    CHECK(format_bytes(65ull << 30) == "65GiB");
    CHECK(format_bytes((16ull << 20) + 2048) == "16MiB"); // rounded to one decimal
}

TEST_CASE("text output lists sectors, vertices with needs, then edges", "[dag]")
{
    Dag dag = fused_batch();
    std::string text = format_dag_text(dag);
    CHECK_THAT(text, Catch::StartsWith("sectors: 2\n"));
    CHECK_THAT(text, Catch::Contains("s-t01001-1 proof=StackedDrg2KiBV1_1 plan=cc"));
    CHECK_THAT(text, Catch::Contains("vertices: 17\n"));
    CHECK_THAT(text, Catch::Contains("edges: 18\n"));
    CHECK(count_lines_with(text, " -> ") == 18);
    CHECK(count_lines_with(text, "plugin=") == 17);
    // The fused PC1: both sectors, the multi-sector plugin, pinned.
    CHECK(count_lines_with(text, "pc1             sectors=0,1      plugin=avx512") == 1);
    CHECK(count_lines_with(text, "numa=pinned") == 1);
    CHECK(count_lines_with(text, "limit=pc2") == 4);
    CHECK(count_lines_with(text, "add_pieces      sectors=0        plugin=core     cores=1 memory=16MiB") == 1);
    // No usable plugin: "-", not a failure.
    CHECK(count_lines_with(text, "check_sealed    sectors=1        plugin=-") == 1);
    CHECK(count_lines_with(text, "(tree_d -> pc1)") == 2);
}

TEST_CASE("dot output is a Graphviz digraph with labelled vertices", "[dag]")
{
    Dag dag = fused_batch();
    std::string dot = format_dag_dot(dag);
    CHECK_THAT(dot, Catch::StartsWith("digraph G {"));
    CHECK_THAT(dot, Catch::Contains("rankdir=TB"));
    CHECK_THAT(dot, Catch::Contains("label=\"pc1\\ns-t01001-1,s-t01001-2\\navx512"));
    CHECK_THAT(dot, Catch::Contains("style=bold"));
    CHECK(count_lines_with(dot, "->") == 18);
    CHECK(count_lines_with(dot, "[label=") == 17);
    CHECK_THAT(dot, Catch::EndsWith("}\n"));
}
