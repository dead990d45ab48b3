// SPDX-License-Identifier: Apache-2.0
//
// The console's stage history (service/ui/stage_history.hpp) on a clock
// driven by the test: a step is charged the time since the previous step of
// the same lease closed; first sight of a lease charges nothing; bounds hold.
#include <catch2/catch.hpp>

#include "service/ui/stage_history.hpp"

using namespace dmc::service;
using namespace dmc::service::ui;
using namespace std::chrono_literals;

namespace {

const SectorKey kA{1002, 1}, kB{1002, 2};

} // namespace

TEST_CASE("stage history: step durations from allocation and reports", "[service][ui]")
{
    StageHistory h;
    const auto t0 = StageHistory::Clock::time_point{} + 1000s;
    h.on_allocated(kA, 7, t0);
    h.on_report(kA, 7, "add_pieces", t0 + 1s);
    h.on_report(kA, 7, "add_pieces", t0 + 2s); // a heartbeat: nothing new
    h.on_report(kA, 7, "tree_d", t0 + 3s);
    h.on_report(kA, 7, "pc1", t0 + 13s);
    h.on_finalized(kA, 7, t0 + 20s);
    // Sector B: pc1 takes 20 s.
    h.on_allocated(kB, 8, t0);
    h.on_report(kB, 8, "add_pieces", t0 + 1s);
    h.on_report(kB, 8, "tree_d", t0 + 2s);
    h.on_report(kB, 8, "pc1", t0 + 22s);
    h.on_report(kB, 8, "Bad Name", t0 + 23s); // not a stage name: ignored
    h.on_finalized(kB, 8, t0 + 30s);

    const auto stats = h.stage_stats();
    REQUIRE(stats.size() == 3);
    CHECK(stats[0].stage == "add_pieces");
    CHECK(stats[0].count == 2);
    CHECK(stats[0].mean_seconds == Approx(1.0));
    CHECK(stats[1].stage == "tree_d");
    CHECK(stats[1].mean_seconds == Approx(1.5)); // 2 s and 1 s
    CHECK(stats[2].stage == "pc1");
    CHECK(stats[2].mean_seconds == Approx(15.0)); // 10 s and 20 s
    CHECK(stats[2].max_seconds == Approx(20.0));
    CHECK(stats[2].last_seconds == Approx(20.0));
    REQUIRE(h.mean_rebuild_seconds());
    CHECK(*h.mean_rebuild_seconds() == Approx(25.0)); // 20 s and 30 s
    CHECK(h.rebuilds() == 2);
}

TEST_CASE("stage history: a lease first seen in a report charges nothing", "[service][ui]")
{
    StageHistory h;
    const auto t0 = StageHistory::Clock::time_point{} + 50s;
    // The worker resumed a task after a restart: pc1 was done before.
    h.on_report(kA, 3, "pc1", t0);
    h.on_report(kA, 3, "tree_c", t0 + 4s);
    h.on_finalized(kA, 3, t0 + 6s); // start unknown: no rebuild duration
    const auto stats = h.stage_stats();
    REQUIRE(stats.size() == 1);
    CHECK(stats[0].stage == "tree_c");
    CHECK(stats[0].mean_seconds == Approx(4.0));
    CHECK_FALSE(h.mean_rebuild_seconds());
    // An aborted lease is forgotten: its next report starts afresh.
    h.on_allocated(kB, 4, t0);
    h.on_aborted(kB);
    h.on_report(kB, 4, "add_pieces", t0 + 9s);
    CHECK(h.stage_stats().size() == 1);
}

TEST_CASE("stage history: bounded samples and open leases", "[service][ui]")
{
    StageHistory h(/*max_samples=*/4, /*max_rebuilds=*/2, /*max_open=*/2);
    const auto t0 = StageHistory::Clock::time_point{} + 10s;
    for (uint64_t n = 1; n <= 3; ++n) {
        const SectorKey key{1002, n};
        h.on_allocated(key, n, t0);
        h.on_report(key, n, "tree_d", t0 + std::chrono::seconds(n));
        h.on_report(key, n, "pc1", t0 + std::chrono::seconds(10 * n));
        h.on_finalized(key, n, t0 + std::chrono::seconds(100 * n));
    }
    // Six samples (tree_d n s, pc1 9n s for n = 1..3), the last four kept.
    const auto stats = h.stage_stats();
    REQUIRE(stats.size() == 2);
    CHECK(stats[0].count == 2);
    CHECK(stats[0].mean_seconds == Approx(2.5));       // 2 s, 3 s
    CHECK(stats[1].mean_seconds == Approx(22.5));      // 18 s, 27 s
    CHECK(*h.mean_rebuild_seconds() == Approx(250.0)); // 200 s, 300 s
    // Three leases never finalized with room for two: the oldest is dropped.
    StageHistory small(8, 8, 2);
    small.on_allocated({1, 1}, 1, t0);
    small.on_allocated({1, 2}, 2, t0 + 1s);
    small.on_allocated({1, 3}, 3, t0 + 2s);
    small.on_report({1, 1}, 1, "tree_d", t0 + 5s); // first sight again: nothing charged
    small.on_report({1, 3}, 3, "tree_d", t0 + 5s);
    REQUIRE(small.stage_stats().size() == 1);
    CHECK(small.stage_stats()[0].count == 1);
    CHECK(small.stage_stats()[0].mean_seconds == Approx(3.0));
}
