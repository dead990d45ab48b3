// SPDX-License-Identifier: Apache-2.0
//
// What the scheduler does when things go wrong or were already done: a
// failing vertex stops only its own sector's downstream vertices, a fused PC1
// goes on for its live sectors, global and external cancel, runner
// exceptions, and resume through is_done().
#include <catch2/catch.hpp>

#include <future>
#include <thread>

#include "damocles/core/internal/dag_builder.hpp"
#include "damocles/core/internal/scheduler.hpp"
#include "fake_runner.hpp"
#include "orchestration_helpers.hpp"

using namespace dmc::core;
using dmc::test::FakeRunner;
using dmc::test::proof_id;
using K = VertexKind;

namespace {

Scheduler make_scheduler(std::map<std::string, uint32_t> limits = {})
{
    SchedulerOptions o;
    o.budget.cores = 64;
    o.budget.memory_bytes = 64ull << 30;
    o.budget.gpu_slots = 0;
    o.budget.concurrency = std::move(limits);
    auto topo = Topology::from_synthetic("pack:1 numa:1 core:4 pu:1");
    REQUIRE(topo.ok());
    o.topology = *topo;
    auto s = Scheduler::create(std::move(o));
    REQUIRE(s.ok());
    return std::move(s).value();
}

Dag batch(size_t sectors, uint32_t pc1_max_sectors = 1)
{
    std::vector<SectorSpec> specs;
    for (size_t i = 0; i < sectors; ++i) specs.push_back({1001, i + 1, proof_id("StackedDrg2KiBV1_1"), Plan::cc});
    DagBuildOptions opts;
    opts.chooser = [=](dmc_stage_kind k) {
        return StageChoice{"fake", k == DMC_STAGE_PC1 ? pc1_max_sectors : 1, false, {}};
    };
    auto dag = build_batch_dag(specs, opts);
    REQUIRE(dag.ok());
    return std::move(dag).value();
}

bool ran(const FakeRunner &r, VertexId v) { return r.event_of(v) != nullptr; }

} // namespace

TEST_CASE("a failing vertex cancels only its sector's downstream vertices", "[sched]")
{
    Dag dag = batch(3);
    auto sched = make_scheduler();
    FakeRunner runner;
    const VertexId bad = *dag.find(1, K::tree_c);
    runner.hook = [&](const Dag &, VertexId v, VertexContext &) -> dmc::Status {
        if (v == bad) return dmc::make_error(dmc::Errc::io, "disk on fire");
        return {};
    };
    auto report = sched.run(dag, runner);
    REQUIRE(report.ok());
    CHECK_FALSE(report->all_ok());

    const auto &s1 = report->sectors[1];
    CHECK(s1.outcome == SectorOutcome::failed);
    REQUIRE(s1.failed_vertex);
    CHECK(*s1.failed_vertex == bad);
    CHECK(s1.error.code == dmc::Errc::io);
    CHECK_THAT(s1.error.message, Catch::Contains("tree_c"));
    CHECK_THAT(s1.error.message, Catch::Contains("disk on fire"));
    CHECK(report->vertices[bad].outcome == VertexOutcome::failed);

    // Downstream of the failure in sector 1: never ran.
    for (K k : {K::comm_r_check, K::check_sealed, K::persist, K::report}) {
        VertexId v = *dag.find(1, k);
        CHECK_FALSE(ran(runner, v));
        CHECK(report->vertices[v].outcome == VertexOutcome::upstream_failed);
    }
    // The sibling of the failed vertex completed (a retry can skip it).
    CHECK(report->vertices[*dag.find(1, K::tree_r_last)].outcome == VertexOutcome::ok);
    // The other sectors finished entirely.
    for (uint32_t s : {0u, 2u}) {
        CHECK(report->sectors[s].outcome == SectorOutcome::ok);
        for (VertexId v : dag.vertices_of_sector(s)) CHECK(ran(runner, v));
    }
}

TEST_CASE("a fused PC1 runs for the sectors whose upstream succeeded", "[sched]")
{
    Dag dag = batch(3, 2);
    const VertexId fused = *dag.find(0, K::pc1);
    REQUIRE(dag[fused].sectors == std::vector<uint32_t>{0, 1});
    auto sched = make_scheduler();
    FakeRunner runner;
    runner.hook = [&](const Dag &d, VertexId v, VertexContext &ctx) -> dmc::Status {
        if (d[v].kind == K::tree_d && ctx.sectors == std::vector<uint32_t>{0})
            return dmc::make_error(dmc::Errc::io, "staged file unreadable");
        return {};
    };
    auto report = sched.run(dag, runner);
    REQUIRE(report.ok());
    CHECK(report->sectors[0].outcome == SectorOutcome::failed);
    CHECK(*report->sectors[0].failed_vertex == *dag.find(0, K::tree_d));
    CHECK(report->sectors[1].outcome == SectorOutcome::ok);
    CHECK(report->sectors[2].outcome == SectorOutcome::ok);
    const auto *e = runner.event_of(fused);
    REQUIRE(e);
    CHECK(e->sectors == std::vector<uint32_t>{1});
    CHECK(report->vertices[fused].sectors_ok == std::vector<uint32_t>{1});
    CHECK_FALSE(ran(runner, *dag.find(0, K::tree_c)));
}

TEST_CASE("a failing fused PC1 fails all of its sectors", "[sched]")
{
    Dag dag = batch(3, 2);
    auto sched = make_scheduler();
    FakeRunner runner;
    runner.hook = [&](const Dag &d, VertexId v, VertexContext &) -> dmc::Status {
        if (d[v].kind == K::pc1 && d[v].sectors.size() == 2) return dmc::make_error(dmc::Errc::device, "gpu lost");
        return {};
    };
    auto report = sched.run(dag, runner);
    REQUIRE(report.ok());
    CHECK(report->sectors[0].outcome == SectorOutcome::failed);
    CHECK(report->sectors[1].outcome == SectorOutcome::failed);
    CHECK(report->sectors[2].outcome == SectorOutcome::ok);
    CHECK_THAT(report->sectors[1].error.message, Catch::Contains("pc1: gpu lost"));
}

TEST_CASE("runner exceptions become failures of that vertex", "[sched]")
{
    Dag dag = batch(2);
    auto sched = make_scheduler();
    FakeRunner runner;
    runner.hook = [&](const Dag &d, VertexId v, VertexContext &ctx) -> dmc::Status {
        if (d[v].kind == K::persist && ctx.sectors[0] == 0) throw std::runtime_error("boom");
        return {};
    };
    auto report = sched.run(dag, runner);
    REQUIRE(report.ok());
    CHECK(report->sectors[0].outcome == SectorOutcome::failed);
    CHECK(report->sectors[0].error.code == dmc::Errc::internal);
    CHECK_THAT(report->sectors[0].error.message, Catch::Contains("boom"));
    CHECK(report->sectors[1].outcome == SectorOutcome::ok);
}

namespace {

// PC1 blocks until cancelled (10 s at most) and says so.
void block_pc1_until_cancelled(FakeRunner &runner)
{
    runner.hook = [](const Dag &d, VertexId v, VertexContext &ctx) -> dmc::Status {
        if (d[v].kind != K::pc1) return {};
        auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!ctx.cancelled() && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        CHECK(*ctx.abi_cancel() != 0); // the plugin's view of the same flag
        return dmc::make_error(dmc::Errc::cancelled, "cancelled");
    };
}

void check_all_cancelled(const Dag &dag, const RunReport &report, const FakeRunner &runner)
{
    for (const auto &s : report.sectors) CHECK(s.outcome == SectorOutcome::cancelled);
    int pc1_runs = 0;
    for (const auto &e : runner.events()) {
        if (e.kind == K::pc1) ++pc1_runs;
        CHECK((e.kind == K::add_pieces || e.kind == K::tree_d || e.kind == K::pc1));
    }
    CHECK(pc1_runs == 1); // the second PC1 waited for the pc1 token and was dropped
    for (VertexId v = 0; v < dag.vertex_count(); ++v) {
        auto o = report.vertices[v].outcome;
        CHECK((o == VertexOutcome::ok || o == VertexOutcome::cancelled));
        if (dag[v].kind != K::add_pieces && dag[v].kind != K::tree_d) CHECK(o == VertexOutcome::cancelled);
    }
}

} // namespace

TEST_CASE("cancel_all stops running and queued vertices", "[sched]")
{
    Dag dag = batch(2);
    auto sched = make_scheduler({{"pc1", 1}});
    FakeRunner runner;
    block_pc1_until_cancelled(runner);
    auto fut = std::async(std::launch::async, [&] { return sched.run(dag, runner); });
    REQUIRE(runner.wait_started(K::pc1));
    // Give the other sector time to queue for the pc1 token (not needed for correctness).
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    sched.cancel_all();
    auto report = fut.get();
    REQUIRE(report.ok());
    check_all_cancelled(dag, *report, runner);
}

TEST_CASE("an external cancel flag (signal handler) stops the run", "[sched]")
{
    Dag dag = batch(2);
    auto sched = make_scheduler({{"pc1", 1}});
    FakeRunner runner;
    block_pc1_until_cancelled(runner);
    CancelFlag flag{0};
    RunOptions opts;
    opts.cancel = &flag;
    auto fut = std::async(std::launch::async, [&] { return sched.run(dag, runner, opts); });
    REQUIRE(runner.wait_started(K::pc1));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    flag.store(1); // what a signal handler does: no lock, no call
    auto report = fut.get();
    REQUIRE(report.ok());
    check_all_cancelled(dag, *report, runner);

    // A flag set before the run cancels everything at the first boundary.
    FakeRunner idle;
    auto again = sched.run(dag, idle, opts);
    REQUIRE(again.ok());
    CHECK(idle.events().empty());
    for (const auto &s : again->sectors) CHECK(s.outcome == SectorOutcome::cancelled);
}

TEST_CASE("vertices reported done are skipped (resume)", "[sched]")
{
    SECTION("single sectors")
    {
        Dag dag = batch(2);
        auto sched = make_scheduler();
        FakeRunner runner;
        runner.done = {{0, K::add_pieces}, {0, K::tree_d}, {0, K::pc1}, {1, K::add_pieces}};
        auto report = sched.run(dag, runner);
        REQUIRE(report.ok());
        CHECK(report->all_ok());
        for (auto [s, k] : runner.done) {
            VertexId v = *dag.find(s, k);
            CHECK_FALSE(ran(runner, v));
            CHECK(report->vertices[v].outcome == VertexOutcome::skipped_done);
        }
        CHECK(ran(runner, *dag.find(0, K::tree_c)));
        CHECK(ran(runner, *dag.find(1, K::tree_d)));
        CHECK(runner.events().size() == dag.vertex_count() - 4);
    }
    SECTION("a fused PC1 done for one of its sectors runs for the other")
    {
        Dag dag = batch(2, 2);
        auto sched = make_scheduler();
        FakeRunner runner;
        runner.done = {{0, K::add_pieces}, {0, K::tree_d}, {0, K::pc1}};
        auto report = sched.run(dag, runner);
        REQUIRE(report.ok());
        CHECK(report->all_ok());
        VertexId fused = *dag.find(0, K::pc1);
        const auto *e = runner.event_of(fused);
        REQUIRE(e);
        CHECK(e->sectors == std::vector<uint32_t>{1});
        CHECK(report->vertices[fused].outcome == VertexOutcome::ok);
        CHECK(report->vertices[fused].sectors_ok == std::vector<uint32_t>{0, 1});
    }
}
