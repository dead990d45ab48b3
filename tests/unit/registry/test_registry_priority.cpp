// SPDX-License-Identifier: Apache-2.0
//
// RegistryStore::set_priority on every backend (docs/architecture.md §7.3):
// a queued entry changes priority in place — same seq, enqueue time and
// pieces flag, so it keeps its arrival order within its new priority and is
// never out of the queue; a leased entry keeps its lease and the new
// priority decides only when it is allocated again; a sector without a
// queue entry is not_found naming it, and nothing changes.
#include <catch2/catch.hpp>

#include <chrono>

#include "backends.hpp"
#include "registry_fixture.hpp"
#include "service/registry/registry_store.hpp"

using namespace dmc;
using namespace dmc::core;
using namespace dmc::service;
using dmc::test::PostgresBackend;
using dmc::test::sample_sector;
using dmc::test::SqliteBackend;

namespace {

int64_t wall_clock_seconds()
{
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::vector<uint64_t> queue_numbers(RegistryStore &reg)
{
    auto queue = reg.list_queue();
    REQUIRE(queue.ok());
    std::vector<uint64_t> numbers;
    for (const auto &entry : *queue) numbers.push_back(entry.key.number);
    return numbers;
}

QueueEntry entry_of(RegistryStore &reg, uint64_t number)
{
    auto entry = reg.queue_entry({1001, number});
    REQUIRE(entry.ok());
    REQUIRE(entry->has_value());
    return **entry;
}

} // namespace

TEMPLATE_TEST_CASE("registry priority: a queued entry changes priority in place and keeps its arrival order",
                   "[registry][priority]", SqliteBackend, PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    for (uint64_t n = 1; n <= 3; ++n) REQUIRE(reg->import_sector(sample_sector(1001, n), false).ok());
    REQUIRE(*reg->mark_for_rebuild({1001, 1}, 0, false, 100));
    REQUIRE(*reg->mark_for_rebuild({1001, 2}, 0, true, 101));
    REQUIRE(*reg->mark_for_rebuild({1001, 3}, 5, false, 102));
    CHECK(queue_numbers(*reg) == std::vector<uint64_t>{3, 1, 2});
    const QueueEntry before = entry_of(*reg, 2);

    auto raised = reg->set_priority({1001, 2}, 9);
    REQUIRE(raised.ok());
    CHECK(raised->previous_priority == 0);
    CHECK(raised->entry.key == SectorKey{1001, 2});
    CHECK(raised->entry.priority == 9);
    // Everything but the priority is what it was: the entry never left.
    const QueueEntry after = entry_of(*reg, 2);
    CHECK(after.priority == 9);
    CHECK(after.seq == before.seq);
    CHECK(after.enqueued_at == 101);
    CHECK(after.pieces_available);
    CHECK(after.lease_worker.empty());
    CHECK(after.allocations == 0);
    CHECK(raised->entry.seq == before.seq);
    CHECK(queue_numbers(*reg) == std::vector<uint64_t>{2, 3, 1});
    auto sector = reg->get_sector({1001, 2});
    REQUIRE(sector.ok());
    CHECK((*sector)->online);
    CHECK((*sector)->need_rebuild);
    CHECK_FALSE((*sector)->finalized);

    // Sector 1 was queued before sector 3: at the same priority it runs first
    // (cancel + re-queue would have put it behind).
    auto same = reg->set_priority({1001, 1}, 5);
    REQUIRE(same.ok());
    CHECK(same->previous_priority == 0);
    CHECK(queue_numbers(*reg) == std::vector<uint64_t>{2, 1, 3});
    // Lowering below zero, and setting the priority it already has.
    REQUIRE(reg->set_priority({1001, 2}, -4).ok());
    CHECK(queue_numbers(*reg) == std::vector<uint64_t>{1, 3, 2});
    auto unchanged = reg->set_priority({1001, 2}, -4);
    REQUIRE(unchanged.ok());
    CHECK(unchanged->previous_priority == -4);
    CHECK(unchanged->entry.priority == -4);

    // Allocation follows the new order.
    AllocationFilter f;
    f.worker = "w1";
    for (uint64_t expected : {1, 3, 2}) {
        auto a = reg->allocate(f, 200);
        REQUIRE(a.ok());
        REQUIRE(a->has_value());
        CHECK((*a)->sector.key.number == expected);
    }
}

TEMPLATE_TEST_CASE(
    "registry priority: a leased entry keeps its lease and the priority counts when it is allocated again",
    "[registry][priority]", SqliteBackend, PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    for (uint64_t n = 1; n <= 2; ++n) REQUIRE(reg->import_sector(sample_sector(1001, n), false).ok());
    REQUIRE(*reg->mark_for_rebuild({1001, 1}, 0, false, 10));
    REQUIRE(*reg->mark_for_rebuild({1001, 2}, 0, false, 11));
    const int64_t now = wall_clock_seconds();
    AllocationFilter f;
    f.worker = "w1";
    f.location = "/loc";
    f.lease_seconds = 600;
    auto held = reg->allocate(f, now);
    REQUIRE(held.ok());
    REQUIRE(held->has_value());
    REQUIRE((*held)->sector.key == SectorKey{1001, 1});
    const QueueEntry leased = (*held)->entry;

    auto lowered = reg->set_priority({1001, 1}, -3);
    REQUIRE(lowered.ok());
    CHECK(lowered->previous_priority == 0);
    CHECK(lowered->entry.lease_worker == "w1");
    CHECK(lowered->entry.lease_id == leased.lease_id);
    const QueueEntry after = entry_of(*reg, 1);
    CHECK(after.priority == -3);
    CHECK(after.lease_worker == "w1");
    CHECK(after.lease_location == "/loc");
    CHECK(after.lease_id == leased.lease_id);
    CHECK(after.lease_expires == leased.lease_expires);
    CHECK(after.allocations == 1);
    CHECK(after.seq == leased.seq);
    CHECK_FALSE(after.cancel_requested);
    // The holder's reports are still its own.
    auto report = reg->report_state({1001, 1}, leased.lease_id, LatestState{}, now + 600);
    REQUIRE(report.ok());
    CHECK(report->online);
    CHECK(report->lease_valid);
    CHECK_FALSE(report->cancel_requested);

    // Once the lease expired, sector 2 (priority 0) goes before sector 1
    // (now -3), though sector 1 was queued first.
    f.worker = "w2";
    const int64_t later = now + 7200;
    auto next = reg->allocate(f, later);
    REQUIRE(next.ok());
    REQUIRE(next->has_value());
    CHECK((*next)->sector.key == SectorKey{1001, 2});
    auto again = reg->allocate(f, later);
    REQUIRE(again.ok());
    REQUIRE(again->has_value());
    CHECK((*again)->sector.key == SectorKey{1001, 1});
    CHECK((*again)->entry.priority == -3);
    CHECK((*again)->entry.allocations == 2);
}

TEMPLATE_TEST_CASE("registry priority: an entry queued for its unsealed copy keeps that flag", "[registry][priority]",
                   SqliteBackend, PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    REQUIRE(reg->import_sector(sample_sector(1001, 1), false).ok());
    REQUIRE(*reg->mark_for_rebuild({1001, 1}, RebuildMark{1, true, true}, 10));
    auto changed = reg->set_priority({1001, 1}, 6);
    REQUIRE(changed.ok());
    CHECK(changed->entry.unsealed);
    const QueueEntry after = entry_of(*reg, 1);
    CHECK(after.priority == 6);
    CHECK(after.unsealed);
    CHECK(after.pieces_available);
    // An unseal thread still takes it.
    AllocationFilter f;
    f.worker = "w1";
    f.unsealed_only = true;
    auto a = reg->allocate(f, 20);
    REQUIRE(a.ok());
    REQUIRE(a->has_value());
    CHECK((*a)->entry.priority == 6);
}

TEMPLATE_TEST_CASE("registry priority: a sector that is not queued is not_found naming it, and nothing changes",
                   "[registry][priority]", SqliteBackend, PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    REQUIRE(reg->import_sector(sample_sector(1001, 1), false).ok());
    REQUIRE(reg->import_sector(sample_sector(1001, 2), false).ok());

    auto offline = reg->set_priority({1001, 1}, 3);
    REQUIRE_FALSE(offline.ok());
    CHECK(offline.error().code == Errc::not_found);
    CHECK(offline.error().message ==
          "sector s-t01001-1 is not queued for rebuild: queue it with a priority (sectors rebuild --priority P)");
    auto unknown = reg->set_priority({1001, 99}, 3);
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().code == Errc::not_found);
    CHECK(unknown.error().message.rfind("sector s-t01001-99 is not queued for rebuild", 0) == 0);
    auto sector = reg->get_sector({1001, 1});
    REQUIRE(sector.ok());
    CHECK_FALSE((*sector)->online);
    CHECK((*sector)->finalized);
    CHECK(queue_numbers(*reg).empty());

    // A cancelled entry is gone: its priority cannot change either, and the
    // other entry is untouched.
    REQUIRE(*reg->mark_for_rebuild({1001, 1}, 1, false, 10));
    REQUIRE(*reg->mark_for_rebuild({1001, 2}, 2, false, 11));
    REQUIRE(*reg->cancel({1001, 1}) == CancelOutcome::removed_from_queue);
    auto cancelled = reg->set_priority({1001, 1}, 7);
    REQUIRE_FALSE(cancelled.ok());
    CHECK(cancelled.error().code == Errc::not_found);
    CHECK_FALSE(reg->queue_entry({1001, 1})->has_value());
    CHECK(entry_of(*reg, 2).priority == 2);
}
