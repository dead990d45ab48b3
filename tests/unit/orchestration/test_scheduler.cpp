// SPDX-License-Identifier: Apache-2.0
//
// The scheduler with a fake runner: dependency order, concurrency limits,
// a run's order (sector by sector), the memory budget, oversized vertices, NUMA placement on a synthetic
// 2-node machine, concurrent runs sharing one budget, observers.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "damocles/core/internal/dag_builder.hpp"
#include "damocles/core/internal/progress.hpp"
#include "damocles/core/internal/queue_order.hpp"
#include "damocles/core/internal/scheduler.hpp"
#include "fake_runner.hpp"
#include "orchestration_helpers.hpp"

using namespace dmc::core;
using dmc::test::FakeRunner;
using dmc::test::proof_id;
using K = VertexKind;

namespace {

constexpr uint64_t MiB = 1ull << 20;

std::shared_ptr<const Topology> one_node()
{
    auto t = Topology::from_synthetic("pack:1 numa:1 core:4 pu:1");
    REQUIRE(t.ok());
    return *t;
}

Scheduler make_scheduler(ResourceBudget budget, std::shared_ptr<const Topology> topo = nullptr)
{
    SchedulerOptions o;
    o.budget = std::move(budget);
    if (!o.budget.gpu_slots) o.budget.gpu_slots = 0; // no GPU probe in unit tests
    o.topology = topo ? topo : one_node();
    auto s = Scheduler::create(std::move(o));
    REQUIRE(s.ok());
    return std::move(s).value();
}

ResourceBudget roomy()
{
    ResourceBudget b;
    b.cores = 64;
    b.memory_bytes = 64ull << 30;
    return b;
}

Dag batch(std::vector<Plan> plans, uint32_t pc1_max_sectors = 1)
{
    std::vector<SectorSpec> specs;
    for (size_t i = 0; i < plans.size(); ++i) specs.push_back({1001, i + 1, proof_id("StackedDrg2KiBV1_1"), plans[i]});
    DagBuildOptions opts;
    if (pc1_max_sectors > 1)
        opts.chooser = [=](dmc_stage_kind k) {
            return StageChoice{"fake", k == DMC_STAGE_PC1 ? pc1_max_sectors : 1, false, {}};
        };
    auto dag = build_batch_dag(specs, opts);
    REQUIRE(dag.ok());
    return std::move(dag).value();
}

// The vertex of `kind` that serves `sector` alone.
VertexId vertex_of(const Dag &dag, K kind, uint32_t sector)
{
    for (VertexId v = 0; v < dag.vertex_count(); ++v)
        if (dag[v].kind == kind && dag[v].sectors == std::vector<uint32_t>{sector}) return v;
    FAIL("no " << vertex_kind_name(kind) << " for sector " << sector);
    return VertexId{0};
}

} // namespace

TEST_CASE("every vertex runs once, after all of its predecessors", "[sched]")
{
    Dag dag = batch({Plan::snap, Plan::cc, Plan::cache_only});
    auto sched = make_scheduler(roomy());
    FakeRunner runner;
    auto report = sched.run(dag, runner);
    REQUIRE(report.ok());
    CHECK(report->all_ok());
    auto events = runner.events();
    CHECK(events.size() == dag.vertex_count());
    for (auto [it, end] = boost::edges(dag.graph); it != end; ++it) {
        const auto *a = runner.event_of(boost::source(*it, dag.graph));
        const auto *b = runner.event_of(boost::target(*it, dag.graph));
        REQUIRE(a);
        REQUIRE(b);
        CHECK(a->end <= b->start);
    }
    for (VertexId v = 0; v < dag.vertex_count(); ++v) {
        CHECK(report->vertices[v].outcome == VertexOutcome::ok);
        CHECK(report->vertices[v].sectors_ok == dag[v].sectors);
    }
    CHECK(std::string(sched.numa_arena_mode()) == "single");
}

TEST_CASE("pc1 = 1 never runs two PC1 at once", "[sched]")
{
    Dag dag = batch({Plan::cc, Plan::cc, Plan::cc});
    SECTION("limited")
    {
        auto budget = roomy();
        budget.concurrency = {{"pc1", 1}};
        auto sched = make_scheduler(budget);
        FakeRunner runner;
        runner.sleep = std::chrono::milliseconds(20);
        auto report = sched.run(dag, runner);
        REQUIRE(report.ok());
        CHECK(report->all_ok());
        CHECK(runner.max_running(K::pc1) == 1);
        CHECK(runner.max_running(K::add_pieces) == 3); // other stages are not held back
    }
    SECTION("unlimited: the counter does see overlap")
    {
        auto sched = make_scheduler(roomy());
        FakeRunner runner;
        runner.peers[K::pc1] = 3;
        auto report = sched.run(dag, runner);
        REQUIRE(report.ok());
        CHECK(runner.max_running(K::pc1) == 3);
    }
}

TEST_CASE("pc2 = 1 serialises tree_c and tree_r_last, which share the key", "[sched]")
{
    Dag dag = batch({Plan::cc, Plan::cc});
    auto budget = roomy();
    budget.concurrency = {{"pc2", 1}};
    auto sched = make_scheduler(budget);
    FakeRunner runner;
    runner.sleep = std::chrono::milliseconds(10);
    auto report = sched.run(dag, runner);
    REQUIRE(report.ok());
    CHECK(report->all_ok());
    CHECK(runner.max_running(K::tree_c) + runner.max_running(K::tree_r_last) <= 2);
    // tree_c and tree_r_last never overlap: check the recorded intervals.
    auto events = runner.events();
    for (const auto &a : events)
        for (const auto &b : events)
            if (&a != &b && (a.kind == K::tree_c || a.kind == K::tree_r_last) &&
                (b.kind == K::tree_c || b.kind == K::tree_r_last))
                CHECK((a.end <= b.start || b.end <= a.start));
}

TEST_CASE("a batch waiting for cores finishes sector by sector: checks, persist and report before the next trees",
          "[sched]")
{
    // After the fused PC1 the six tree vertices wait for the 2 cores, one at
    // a time. In arrival order every tree ran before any check_sealed or
    // persist: all three sectors were open (trees started, not reported)
    // until the end. Sector by sector, at most two are: the one whose tree
    // happened to reach the free cores first, and the lowest one left.
    Dag dag = batch({Plan::cc, Plan::cc, Plan::cc}, 3);
    ResourceBudget budget = roomy();
    budget.cores = 2;
    auto sched = make_scheduler(budget);
    FakeRunner runner;
    auto report = sched.run(dag, runner);
    REQUIRE(report.ok());
    CHECK(report->all_ok());
    using Time = FakeRunner::Clock::time_point;
    std::map<uint32_t, std::pair<Time, Time>> open; // sector -> first tree start, last end
    std::ostringstream order;
    for (const auto &e : runner.events()) {
        order << vertex_kind_name(e.kind) << " " << e.sectors.front() << "; ";
        if (e.kind == K::pc1) continue;
        REQUIRE(e.sectors.size() == 1);
        auto &span = open.try_emplace(e.sectors.front(), Time::max(), Time::min()).first->second;
        if (e.kind == K::tree_c || e.kind == K::tree_r_last) span.first = std::min(span.first, e.start);
        span.second = std::max(span.second, e.end);
    }
    REQUIRE(open.size() == 3);
    size_t most_open = 0;
    for (const auto &[sector, at] : open) {
        size_t n = 0;
        for (const auto &[other, span] : open) n += span.first <= at.first && at.first < span.second;
        most_open = std::max(most_open, n);
    }
    INFO("start order: " << order.str());
    CHECK(most_open <= 2);
}

TEST_CASE("queue order within a run: sector by sector, deepest first", "[sched]")
{
    Dag dag = batch({Plan::cc, Plan::cc});
    auto vertex = [&dag](K kind, uint32_t sector) { return vertex_of(dag, kind, sector); };
    const auto depth = vertex_depths(dag);
    CHECK(depth[vertex(K::add_pieces, 0)] == 0);
    CHECK(depth[vertex(K::tree_c, 0)] == depth[vertex(K::pc1, 0)] + 1);
    CHECK(depth[vertex(K::report, 1)] > depth[vertex(K::check_sealed, 1)]);
    CHECK(goes_ahead(dag, depth, vertex(K::report, 0), vertex(K::tree_c, 1)));
    CHECK(goes_ahead(dag, depth, vertex(K::tree_d, 0), vertex(K::tree_c, 1)));
    CHECK_FALSE(goes_ahead(dag, depth, vertex(K::tree_c, 1), vertex(K::add_pieces, 0)));
    CHECK(goes_ahead(dag, depth, vertex(K::check_sealed, 1), vertex(K::tree_r_last, 1)));
    CHECK_FALSE(goes_ahead(dag, depth, vertex(K::tree_c, 0), vertex(K::tree_r_last, 0))); // equals keep arrival
    const std::set<VertexId> settled{vertex(K::tree_c, 0)};
    const auto is_settled = [&](VertexId v) { return settled.count(v) != 0; };
    CHECK_FALSE(successor_becomes_ready(dag, vertex(K::tree_c, 0), is_settled)); // tree_r_last still runs
    const std::set<VertexId> both{vertex(K::tree_c, 0), vertex(K::tree_r_last, 0)};
    CHECK(successor_becomes_ready(dag, vertex(K::tree_c, 0), [&](VertexId v) { return both.count(v) != 0; }));
}

TEST_CASE("queue order within a run never goes ahead of another run's earlier vertex", "[sched]")
{
    Dag dag = batch({Plan::cc, Plan::cc});
    auto vertex = [&dag](K kind, uint32_t sector) { return vertex_of(dag, kind, sector); };
    const auto depth = vertex_depths(dag);
    const VertexId tree_1 = vertex(K::tree_c, 1), check_0 = vertex(K::check_sealed, 0);
    // Alone in the queue: sector 0's check goes ahead of sector 1's tree.
    CHECK(arrange_run_slots(dag, depth, {{tree_1, 1}, {check_0, 3}}, {UINT64_MAX, UINT64_MAX}) ==
          std::vector<size_t>{1, 0});
    // Another run's vertex (arrival 2) waits between them: the check arrived
    // after it and stays behind it; the tree keeps its place.
    CHECK(arrange_run_slots(dag, depth, {{tree_1, 1}, {check_0, 3}}, {2, UINT64_MAX}) == std::vector<size_t>{0, 1});
    // The other run's vertex arrived after both: the check may go first.
    CHECK(arrange_run_slots(dag, depth, {{tree_1, 1}, {check_0, 3}}, {4, UINT64_MAX}) == std::vector<size_t>{1, 0});
    // Three slots, the other run's vertex behind the first only.
    const VertexId report_0 = vertex(K::report, 0);
    CHECK(arrange_run_slots(dag, depth, {{tree_1, 1}, {check_0, 3}, {report_0, 5}}, {2, UINT64_MAX, UINT64_MAX}) ==
          std::vector<size_t>{0, 2, 1});
}

TEST_CASE("the memory budget is never exceeded", "[sched]")
{
    Dag dag = batch({Plan::cc, Plan::cc, Plan::cc});
    for (VertexId v = 0; v < dag.vertex_count(); ++v) dag[v].needs.memory_bytes = 400 * MiB;
    auto budget = roomy();
    budget.memory_bytes = 1000 * MiB;
    auto sched = make_scheduler(budget);
    FakeRunner runner;
    runner.sleep = std::chrono::milliseconds(10);
    runner.peers[K::add_pieces] = 2; // two fit (800 MiB): they must be allowed to overlap
    auto report = sched.run(dag, runner);
    REQUIRE(report.ok());
    CHECK(report->all_ok());
    CHECK(runner.max_memory() <= 1000 * MiB);
    CHECK(runner.max_memory() == 800 * MiB);
    CHECK(runner.max_total() == 2);
}

TEST_CASE("a vertex larger than the whole budget still runs, alone", "[sched]")
{
    Dag dag = batch({Plan::cc, Plan::cc});
    auto pc1 = *dag.find(0, K::pc1);
    dag[pc1].needs.memory_bytes = 5000 * MiB;
    dag[pc1].needs.cores = 100;
    auto budget = roomy();
    budget.memory_bytes = 1000 * MiB;
    budget.cores = 8;
    auto sched = make_scheduler(budget);
    FakeRunner runner;
    int alone_at_start = -1, alone_at_end = -1;
    runner.hook = [&](const Dag &d, VertexId v, VertexContext &ctx) -> dmc::Status {
        if (v == pc1) {
            alone_at_start = runner.total_running();
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            alone_at_end = runner.total_running();
            CHECK(ctx.threads == 8);
        }
        (void)d;
        return {};
    };
    auto report = sched.run(dag, runner);
    REQUIRE(report.ok());
    CHECK(report->all_ok());
    CHECK(alone_at_start == 1);
    CHECK(alone_at_end == 1);
}

TEST_CASE("three PC1s on a synthetic 2-node machine use both nodes", "[sched][placement]")
{
    std::shared_ptr<const Topology> topo;
    {
        dmc::test::ScopedEnv env("HWLOC_SYNTHETIC", "pack:1 numa:2 core:2 pu:1");
        auto t = Topology::load();
        REQUIRE(t.ok());
        topo = *t;
    }
    REQUIRE(topo->numa_nodes().size() == 2);
    Dag dag = batch({Plan::cc, Plan::cc, Plan::cc});
    auto sched = make_scheduler(roomy(), topo);
    CHECK(std::string(sched.numa_arena_mode()) == "hwloc"); // synthetic: not this machine, no tbbbind
    FakeRunner runner;
    runner.peers[K::pc1] = 3; // all three running at once, so each placement sees the others
    auto report = sched.run(dag, runner);
    REQUIRE(report.ok());
    CHECK(report->all_ok());
    std::map<int, int> per_node;
    for (const auto &e : runner.events()) {
        CHECK(e.had_arena);
        if (e.kind == K::pc1) {
            per_node[e.numa_node] += 1;
            CHECK(e.numa_os_index == e.numa_node);
            CHECK(report->vertices[e.v].numa_node == e.numa_node);
            CHECK(e.threads == 3);
        } else {
            CHECK(e.numa_node == -1);
        }
    }
    // Placement order: empty nodes -> 0, then 1 (0 busy), then 0 (tie, lowest index).
    CHECK(per_node == std::map<int, int>{{0, 2}, {1, 1}});
}

TEST_CASE("concurrent runs share one budget", "[sched]")
{
    Dag a = batch({Plan::cc});
    Dag b = batch({Plan::cc});
    auto budget = roomy();
    budget.concurrency = {{"pc1", 1}};
    auto sched = make_scheduler(budget);
    FakeRunner runner;
    runner.sleep = std::chrono::milliseconds(20);
    dmc::Result<RunReport> ra = dmc::make_error(dmc::Errc::internal, "not run");
    dmc::Result<RunReport> rb = dmc::make_error(dmc::Errc::internal, "not run");
    std::thread ta([&] { ra = sched.run(a, runner); });
    std::thread tb([&] { rb = sched.run(b, runner); });
    ta.join();
    tb.join();
    REQUIRE(ra.ok());
    REQUIRE(rb.ok());
    CHECK(ra->all_ok());
    CHECK(rb->all_ok());
    CHECK(runner.max_running(K::pc1) == 1);
    CHECK(runner.events().size() == a.vertex_count() + b.vertex_count());
}

namespace {
struct CountingObserver : SchedulerObserver {
    std::mutex mu;
    int waiting = 0, started = 0, finished = 0, progress = 0;
    void on_waiting(const Dag &, VertexId) override
    {
        std::lock_guard l(mu);
        ++waiting;
    }
    void on_started(const Dag &, VertexId, const VertexContext &) override
    {
        std::lock_guard l(mu);
        ++started;
    }
    void on_progress(const Dag &, VertexId, double) override
    {
        std::lock_guard l(mu);
        ++progress;
    }
    void on_finished(const Dag &, VertexId, const VertexResult &) override
    {
        std::lock_guard l(mu);
        ++finished;
    }
};
} // namespace

TEST_CASE("observers see every vertex wait, start, progress and finish", "[sched]")
{
    Dag dag = batch({Plan::cc, Plan::snap});
    auto sched = make_scheduler(roomy());
    SECTION("counting")
    {
        FakeRunner runner;
        CountingObserver obs;
        RunOptions opts;
        opts.observer = &obs;
        REQUIRE(sched.run(dag, runner, opts).ok());
        int n = static_cast<int>(dag.vertex_count());
        CHECK(obs.waiting == n);
        CHECK(obs.started == n);
        CHECK(obs.finished == n);
        CHECK(obs.progress == 2 * n);
    }
    SECTION("progress tracker")
    {
        FakeRunner runner;
        ProgressTracker tracker(dag);
        RunOptions opts;
        opts.observer = &tracker;
        CHECK(tracker.batch().fraction == 0.0);
        REQUIRE(sched.run(dag, runner, opts).ok());
        auto p = tracker.batch();
        CHECK(p.fraction == Approx(1.0));
        CHECK(p.finished);
        CHECK(tracker.sector(1).finished);
    }
}

TEST_CASE("an invalid DAG is refused before anything runs", "[sched]")
{
    Dag dag = batch({Plan::cc});
    dag.add_edge(*dag.find(0, K::report), *dag.find(0, K::add_pieces));
    auto sched = make_scheduler(roomy());
    FakeRunner runner;
    auto report = sched.run(dag, runner);
    REQUIRE_FALSE(report.ok());
    CHECK_THAT(report.error().message, Catch::Contains("cycle"));
    CHECK(runner.events().empty());

    ResourceBudget zero = roomy();
    zero.concurrency = {{"pc1", 0}};
    SchedulerOptions o;
    o.budget = zero;
    o.topology = one_node();
    CHECK_FALSE(Scheduler::create(o).ok());
}
