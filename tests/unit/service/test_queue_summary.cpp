// SPDX-License-Identifier: Apache-2.0
//
// What the console's summary counts (service/ui/queue_summary.hpp), on rows
// shaped as Venus.RebuildQueue / ListSectors / WorkerList return them, with
// the expected figures worked out by hand.
#include <catch2/catch.hpp>

#include "service/ui/queue_summary.hpp"

using namespace dmc::service::ui;

namespace {

json sector(const std::string &id, bool online, bool need_rebuild, const std::string &reason, json latest = nullptr)
{
    return {{"sector_id", id},
            {"online", online},
            {"need_rebuild", need_rebuild},
            {"abort_reason", reason},
            {"latest", latest}};
}

json report(int64_t at, const std::string &level = "", const std::string &desc = "")
{
    return {{"updated_at", at}, {"failure_level", level}, {"failure_desc", desc}, {"worker_instance", "w1"}};
}

} // namespace

TEST_CASE("queue summary: failures, cancels and finished sectors are told apart", "[service][ui]")
{
    const int64_t day = 1'700'000'000;
    const json rows = json::array({
        sector("s-t01002-1", false, false, ""),                   // imported, never rebuilt
        sector("s-t01002-2", false, false, "", report(day + 50)), // finished today
        sector("s-t01002-3", false, false, "", report(day - 50)), // finished yesterday
        sector("s-t01002-4", false, true, "comm_r mismatch: registered X, rebuilt Y", report(day + 10)),
        sector("s-t01002-5", false, true, "rebuild cancelled"),
        sector("s-t01002-6", false, true, "rebuild cancelled by operator", report(day + 20)),
        sector("s-t01002-7", true, true, "", report(day + 30, "Temporary", "temp error occurred: disk full")),
        sector("s-t01002-8", true, true, "old reason", report(day + 40)), // queued again: not failed
    });
    const SectorTally t = tally_sectors(rows, day);
    CHECK(t.failed == 1);
    CHECK(t.cancelled == 2);
    CHECK(t.retrying == 1);
    CHECK(t.finished_today == 1);

    const json f = failure_rows(rows, 10);
    REQUIRE(f.size() == 4);
    CHECK(f[0]["sector_id"] == "s-t01002-7"); // newest report first
    CHECK(f[0]["kind"] == "retrying");
    CHECK(f[0]["message"] == "temp error occurred: disk full");
    CHECK(f[0]["level"] == "Temporary");
    CHECK(f[1]["sector_id"] == "s-t01002-6");
    CHECK(f[2]["sector_id"] == "s-t01002-4");
    CHECK(f[2]["kind"] == "aborted");
    CHECK(f[2]["message"] == "comm_r mismatch: registered X, rebuilt Y");
    CHECK(f[3]["sector_id"] == "s-t01002-5");
    CHECK(f[3]["at"] == 0);
    CHECK(failure_rows(rows, 2).size() == 2);
}

TEST_CASE("queue summary: running rows and rebuild lanes", "[service][ui]")
{
    const int64_t now = 5000;
    CHECK(queue_row_running({{"lease_worker", "w1"}, {"lease_expires", now + 1}}, now));
    CHECK_FALSE(queue_row_running({{"lease_worker", "w1"}, {"lease_expires", now - 1}}, now)); // expired
    CHECK_FALSE(queue_row_running({{"lease_worker", ""}, {"lease_expires", 0}}, now));
    const json workers = json::array({
        {{"last_ping", now - 10},
         {"threads_json",
          R"([{"plan":"rebuild","paused":false},{"plan":"rebuild","paused":true},{"plan":"sealer","paused":false}])"}},
        {{"last_ping", now - 5000}, {"threads_json", R"([{"plan":"rebuild","paused":false}])"}}, // silent
        {{"last_ping", now}, {"threads_json", "not json"}},
    });
    CHECK(rebuild_lanes(workers, now) == 1);
}

TEST_CASE("queue summary: queue ETA", "[service][ui]")
{
    QueueLoad empty;
    CHECK(queue_eta_seconds(empty) == 0);

    // Two lanes, mean 100 s: running remaining 30 + 60, four queued = 400;
    // (90 + 400) / 2 = 245.
    QueueLoad load;
    load.queued = 4;
    load.lanes = 2;
    load.mean_rebuild_seconds = 100;
    load.running = {{0.7, 30}, {0.4, 60}};
    CHECK(queue_eta_seconds(load) == 245);

    // One long running sector dominates: max(500, (500 + 10 + 100) / 2).
    load.queued = 1;
    load.running = {{0.1, 500}, {0.9, -1}}; // unknown ETA: 10 % of the mean
    CHECK(queue_eta_seconds(load) == 500);

    // No finished rebuild yet: a sector at 25 % with 30 s left projects
    // 40 s per sector; one lane: 30 + 3 * 40.
    QueueLoad early;
    early.queued = 3;
    early.lanes = 1;
    early.running = {{0.25, 30}};
    CHECK(queue_eta_seconds(early) == 150);

    // Nothing gives a duration: no history and the only running sector is
    // at 99.9 % (its ETA says nothing about a whole sector).
    QueueLoad unknown;
    unknown.queued = 2;
    CHECK_FALSE(queue_eta_seconds(unknown).has_value());
    unknown.running = {{0.999, 0}};
    CHECK_FALSE(queue_eta_seconds(unknown).has_value());
}
