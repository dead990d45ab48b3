// SPDX-License-Identifier: Apache-2.0
//
// Progress aggregation on hand-set weights (expected values worked out by
// hand), ETA from elapsed time, resume not counted as speed, and the TTY line.
#include <catch2/catch.hpp>

#include "damocles/core/internal/dag_builder.hpp"
#include "damocles/core/internal/progress.hpp"
#include "orchestration_helpers.hpp"

using namespace dmc::core;
using dmc::test::proof_id;
using K = VertexKind;
using Clock = ProgressTracker::Clock;
using std::chrono::seconds;

namespace {

// cache_only: tree_r_last, comm_r_check, persist, report with weights 6, 1, 2, 1 (total 10).
Dag weighted(size_t sectors = 1)
{
    std::vector<SectorSpec> specs;
    for (size_t i = 0; i < sectors; ++i)
        specs.push_back({1001, i + 1, proof_id("StackedDrg2KiBV1_1"), Plan::cache_only});
    auto dag = build_batch_dag(specs);
    REQUIRE(dag.ok());
    for (uint32_t s = 0; s < sectors; ++s) {
        (*dag)[*dag->find(s, K::tree_r_last)].weight = 6;
        (*dag)[*dag->find(s, K::comm_r_check)].weight = 1;
        (*dag)[*dag->find(s, K::persist)].weight = 2;
        (*dag)[*dag->find(s, K::report)].weight = 1;
    }
    return std::move(dag).value();
}

} // namespace

TEST_CASE("sector progress is the weighted mean of its vertices", "[sched]")
{
    Dag dag = weighted();
    ProgressTracker t(dag);
    auto t0 = Clock::now();
    auto p = t.sector(0, t0);
    CHECK(p.fraction == 0.0);
    CHECK(p.stage.empty());
    CHECK_FALSE(p.eta.has_value());

    VertexId trl = *dag.find(0, K::tree_r_last);
    t.started(trl, t0);
    t.progress(trl, 0.5);
    p = t.sector(0, t0 + seconds(30));
    CHECK(p.fraction == Approx(0.3)); // 6 * 0.5 / 10
    CHECK(p.stage == "tree_r_last");
    CHECK(p.elapsed == seconds(30));
    REQUIRE(p.eta);
    CHECK(p.eta->count() == 70); // 30 s for 30 % -> 70 s for the remaining 70 %

    t.progress(trl, 0.25); // never goes backwards
    CHECK(t.sector(0, t0).fraction == Approx(0.3));

    t.finished(trl, true, false, t0 + seconds(40));
    VertexId crc = *dag.find(0, K::comm_r_check);
    t.started(crc, t0 + seconds(40));
    t.finished(crc, true, false, t0 + seconds(41));
    p = t.sector(0, t0 + seconds(70));
    CHECK(p.fraction == Approx(0.7));
    CHECK(p.stage == "comm_r_check"); // nothing running: the last one started
    CHECK(p.eta->count() == 30);
    CHECK_FALSE(p.finished);

    VertexId persist = *dag.find(0, K::persist), report = *dag.find(0, K::report);
    t.started(persist, t0 + seconds(70));
    t.finished(persist, false, false, t0 + seconds(71)); // failed
    t.finished(report, false, false, t0 + seconds(71));  // upstream failed, never started
    p = t.sector(0, t0 + seconds(72));
    CHECK(p.finished);
    CHECK(p.fraction == Approx(0.7));
}

TEST_CASE("work skipped on resume does not count as speed", "[sched]")
{
    Dag dag = weighted();
    ProgressTracker t(dag);
    auto t0 = Clock::now();
    // tree_r_last (60 %) was done before the restart.
    t.finished(*dag.find(0, K::tree_r_last), true, true, t0);
    VertexId crc = *dag.find(0, K::comm_r_check), persist = *dag.find(0, K::persist);
    t.started(crc, t0);
    t.finished(crc, true, false, t0 + seconds(10));
    t.started(persist, t0 + seconds(10));
    t.progress(persist, 0.5);
    auto p = t.sector(0, t0 + seconds(20));
    CHECK(p.fraction == Approx(0.8));
    CHECK(p.elapsed == seconds(20));
    REQUIRE(p.eta);
    CHECK(p.eta->count() == 20); // 20 % measured in 20 s, 20 % left
}

TEST_CASE("batch progress is the mean over sectors", "[sched]")
{
    Dag dag = weighted(2);
    ProgressTracker t(dag);
    auto t0 = Clock::now();
    VertexId a = *dag.find(0, K::tree_r_last), b = *dag.find(1, K::tree_r_last);
    t.started(a, t0);
    t.started(b, t0 + seconds(5));
    t.finished(a, true, false, t0 + seconds(10));
    t.progress(b, 0.5);
    auto p = t.batch(t0 + seconds(10));
    CHECK(p.fraction == Approx((0.6 + 0.3) / 2));
    CHECK(p.stage == "tree_r_last");
    CHECK(p.elapsed == seconds(10));
    CHECK_FALSE(p.finished);
}

TEST_CASE("durations and the progress line read well", "[sched]")
{
    CHECK(format_duration(seconds(0)) == "0s");
    CHECK(format_duration(seconds(42)) == "42s");
    CHECK(format_duration(seconds(185)) == "3m05s");
    CHECK(format_duration(seconds(3720)) == "1h02m");
    CHECK(format_duration(seconds(-5)) == "0s");

    SectorProgress p;
    p.fraction = 0.375;
    p.stage = "pc1";
    p.elapsed = seconds(3720);
    p.eta = seconds(6240);
    CHECK(format_progress_line("s-t01001-1", p, 8) == "s-t01001-1 [###.....]  37.5%  pc1  1h02m elapsed, ETA 1h44m");
    p.eta.reset();
    CHECK_THAT(format_progress_line("x", p, 0), Catch::EndsWith("ETA --"));
    p.finished = true;
    p.fraction = 1.0;
    CHECK_THAT(format_progress_line("x", p), Catch::Contains("[####################] 100.0%"));
    CHECK_THAT(format_progress_line("x", p), Catch::EndsWith("done"));
}
