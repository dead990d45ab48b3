// SPDX-License-Identifier: Apache-2.0
//
// The rebuild lifecycle rules of docs/architecture.md §7.2-§7.4 that
// test_registry_store.cpp does not pin down, run against every backend: lease
// checks of finalize/abort/report (and that a refused call changes nothing),
// cancel of leased, expired and unleased entries, reservations released with
// the queue entry, what an allocation records, replace under a kept
// lifecycle, the error texts callers and the CLI show, and the rows of
// workers, stores and reservations field by field.
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

std::vector<SectorKey> reservation_keys(RegistryStore &reg)
{
    auto reservations = reg.list_reservations();
    REQUIRE(reservations.ok());
    std::vector<SectorKey> keys;
    for (const auto &r : *reservations) keys.push_back(r.key);
    return keys;
}

} // namespace

TEMPLATE_TEST_CASE("registry lifecycle: finalize and abort need the current lease, and a refusal changes nothing",
                   "[registry]", SqliteBackend, PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    REQUIRE(reg->import_sector(sample_sector(1001, 1), false).ok());
    REQUIRE(reg->import_sector(sample_sector(1001, 2), false).ok());
    REQUIRE(*reg->mark_for_rebuild({1001, 1}, 0, false, 10));
    REQUIRE(reg->put_reservation({"store-a", {1001, 1}, 4096, 11}).ok());
    AllocationFilter f;
    f.worker = "w1";
    auto a = reg->allocate(f, 20);
    REQUIRE(a.ok());
    REQUIRE(a->has_value());
    const uint64_t lease = (*a)->entry.lease_id;

    auto wrong_abort = reg->abort({1001, 1}, lease + 1000, "permanent: bad");
    REQUIRE_FALSE(wrong_abort.ok());
    CHECK(wrong_abort.error().code == Errc::conflict);
    CHECK(wrong_abort.error().message == "sector s-t01001-1 is not leased to this task");
    auto wrong_finalize = reg->finalize({1001, 1}, lease + 1000, "store-b");
    REQUIRE_FALSE(wrong_finalize.ok());
    CHECK(wrong_finalize.error().code == Errc::conflict);
    CHECK(wrong_finalize.error().message == "sector s-t01001-1 is not leased to this task");

    // Both refusals left the sector, its lease and its reservation alone.
    auto s = reg->get_sector({1001, 1});
    REQUIRE(s.ok());
    CHECK((*s)->online);
    CHECK((*s)->need_rebuild);
    CHECK_FALSE((*s)->finalized);
    CHECK((*s)->abort_reason.empty());
    CHECK((*s)->store.empty());
    auto q = reg->queue_entry({1001, 1});
    REQUIRE(q.ok());
    REQUIRE(q->has_value());
    CHECK((*q)->lease_id == lease);
    CHECK((*q)->lease_worker == "w1");
    CHECK(reservation_keys(*reg) == std::vector<SectorKey>{{1001, 1}});

    // A sector that was never queued has no lease to finalize.
    auto unqueued = reg->finalize({1001, 2}, 0, "store-b");
    REQUIRE_FALSE(unqueued.ok());
    CHECK(unqueued.error().code == Errc::conflict);
    CHECK(unqueued.error().message == "sector s-t01001-2 is not leased to this task");
    auto unknown = reg->abort({1001, 99}, 0, "operator");
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().code == Errc::not_found);
    CHECK(unknown.error().message == "sector state not found: s-t01001-99");

    // Lease 0 is the operator: it aborts whoever holds the lease.
    REQUIRE(reg->abort({1001, 1}, 0, "operator abort").ok());
    s = reg->get_sector({1001, 1});
    CHECK_FALSE((*s)->online);
    CHECK((*s)->need_rebuild);
    CHECK((*s)->finalized);
    CHECK((*s)->abort_reason == "operator abort");
    CHECK_FALSE(reg->queue_entry({1001, 1})->has_value());
    CHECK(reservation_keys(*reg).empty());
    // The former holder learns it at its next report, and can no longer finalize.
    auto late = reg->report_state({1001, 1}, lease, LatestState{}, 999);
    REQUIRE(late.ok());
    CHECK_FALSE(late->online);
    CHECK_FALSE(late->lease_valid);
    CHECK_FALSE(late->cancel_requested);
    CHECK(reg->finalize({1001, 1}, lease, "store-b").error().code == Errc::conflict);
}

TEMPLATE_TEST_CASE("registry lifecycle: abort and cancel release the sector's reservation only", "[registry]",
                   SqliteBackend, PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    for (uint64_t n = 1; n <= 3; ++n) {
        REQUIRE(reg->import_sector(sample_sector(1001, n), false).ok());
        REQUIRE(*reg->mark_for_rebuild({1001, n}, 0, false, 10));
        REQUIRE(reg->put_reservation({"store-a", {1001, n}, 4096, 11}).ok());
    }
    auto a = reg->allocate(AllocationFilter{}, 20); // sector 1, FIFO
    REQUIRE(a.ok());
    REQUIRE(a->has_value());
    REQUIRE((*a)->sector.key == SectorKey{1001, 1});

    REQUIRE(reg->abort({1001, 1}, (*a)->entry.lease_id, "permanent: comm_r mismatch").ok());
    CHECK(reservation_keys(*reg) == std::vector<SectorKey>{{1001, 2}, {1001, 3}});

    auto cancelled = reg->cancel({1001, 2});
    REQUIRE(cancelled.ok());
    CHECK(*cancelled == CancelOutcome::removed_from_queue);
    CHECK(reservation_keys(*reg) == std::vector<SectorKey>{{1001, 3}});
    auto s = reg->get_sector({1001, 2});
    CHECK_FALSE((*s)->online);
    CHECK((*s)->finalized);
    CHECK((*s)->need_rebuild); // cancel is not success
    CHECK((*s)->abort_reason == "rebuild cancelled");

    auto queue = reg->list_queue();
    REQUIRE(queue.ok());
    REQUIRE(queue->size() == 1);
    CHECK(queue->front().key == SectorKey{1001, 3});
    // Cancelling again finds nothing queued.
    CHECK(*reg->cancel({1001, 2}) == CancelOutcome::not_queued);
}

TEMPLATE_TEST_CASE(
    "registry lifecycle: a leased entry being cancelled is never re-allocated; an expired one is removed", "[registry]",
    SqliteBackend, PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    for (uint64_t n = 1; n <= 3; ++n) REQUIRE(reg->import_sector(sample_sector(1001, n), false).ok());
    REQUIRE(*reg->mark_for_rebuild({1001, 1}, 0, false, 10));
    REQUIRE(*reg->mark_for_rebuild({1001, 2}, 0, false, 11));
    REQUIRE(reg->put_reservation({"store-a", {1001, 1}, 4096, 12}).ok());
    const int64_t now = wall_clock_seconds();
    AllocationFilter f;
    f.worker = "w1";
    f.lease_seconds = 3600;
    auto held = reg->allocate(f, now);
    REQUIRE(held.ok());
    REQUIRE(held->has_value());
    REQUIRE((*held)->sector.key == SectorKey{1001, 1});

    auto flagged = reg->cancel({1001, 1});
    REQUIRE(flagged.ok());
    CHECK(*flagged == CancelOutcome::cancel_requested);
    auto q = reg->queue_entry({1001, 1});
    REQUIRE(q->has_value());
    CHECK((*q)->cancel_requested);
    CHECK((*q)->lease_id == (*held)->entry.lease_id);
    CHECK((*reg->get_sector({1001, 1}))->online);
    CHECK(reservation_keys(*reg) == std::vector<SectorKey>{{1001, 1}});

    // Even once its lease has expired, the entry being cancelled is skipped.
    f.worker = "w2";
    auto next = reg->allocate(f, now + 7200);
    REQUIRE(next.ok());
    REQUIRE(next->has_value());
    CHECK((*next)->sector.key == SectorKey{1001, 2});
    CHECK_FALSE(reg->allocate(f, now + 7200)->has_value());

    // The holder still ends its run normally.
    REQUIRE(reg->finalize({1001, 1}, (*held)->entry.lease_id, "store-a").ok());
    CHECK_FALSE(reg->queue_entry({1001, 1})->has_value());
    CHECK(reservation_keys(*reg).empty());

    // A lease that expired means nobody works on it: cancel removes the entry.
    REQUIRE(*reg->mark_for_rebuild({1001, 3}, 0, false, 20));
    f.lease_seconds = 60;
    auto stale = reg->allocate(f, now - 3600);
    REQUIRE(stale.ok());
    REQUIRE(stale->has_value());
    REQUIRE((*stale)->sector.key == SectorKey{1001, 3});
    auto removed = reg->cancel({1001, 3});
    REQUIRE(removed.ok());
    CHECK(*removed == CancelOutcome::removed_from_queue);
    auto s = reg->get_sector({1001, 3});
    CHECK_FALSE((*s)->online);
    CHECK((*s)->abort_reason == "rebuild cancelled");
    CHECK_FALSE(reg->queue_entry({1001, 3})->has_value());
}

TEMPLATE_TEST_CASE("registry lifecycle: reports are stored and extend the lease only for the current holder",
                   "[registry]", SqliteBackend, PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    REQUIRE(reg->import_sector(sample_sector(1001, 1), false).ok());
    REQUIRE(*reg->mark_for_rebuild({1001, 1}, 0, false, 10));
    AllocationFilter f;
    f.worker = "w1";
    f.lease_seconds = 60;
    auto a = reg->allocate(f, 100);
    REQUIRE(a->has_value());
    const uint64_t lease = (*a)->entry.lease_id;
    CHECK((*a)->entry.lease_expires == 160);

    LatestState state;
    state.worker_instance = "w1";
    state.next = "PC1Done";
    state.stage = "pc1";
    state.progress = 0.5;
    auto rep = reg->report_state({1001, 1}, lease, state, 300);
    REQUIRE(rep.ok());
    CHECK(rep->online);
    CHECK(rep->lease_valid);
    CHECK_FALSE(rep->cancel_requested);
    auto s = reg->get_sector({1001, 1});
    REQUIRE((*s)->latest.has_value());
    CHECK((*s)->latest->next == "PC1Done");
    CHECK((*s)->latest->stage == "pc1");
    CHECK((*s)->latest->progress == 0.5);
    CHECK((*reg->queue_entry({1001, 1}))->lease_expires == 300);

    LatestState stale_state;
    stale_state.next = "Aborted";
    auto stale = reg->report_state({1001, 1}, lease + 1, stale_state, 900);
    REQUIRE(stale.ok());
    CHECK(stale->online);
    CHECK_FALSE(stale->lease_valid);
    CHECK((*reg->get_sector({1001, 1}))->latest->next == "PC1Done");
    CHECK((*reg->queue_entry({1001, 1}))->lease_expires == 300);

    auto unknown = reg->report_state({1001, 99}, lease, state, 900);
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().code == Errc::not_found);
    CHECK(unknown.error().message == "sector state not found: s-t01001-99");
}

TEMPLATE_TEST_CASE("registry lifecycle: an allocation records its lease and the queue keeps its order", "[registry]",
                   SqliteBackend, PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    auto deal = sample_sector(1001, 1);
    deal.pieces.push_back({"baga6ea4seaqpiece", 2048, 0, 7, std::string("https://deals.example/p")});
    REQUIRE(reg->import_sector(deal, false).ok());
    REQUIRE(reg->import_sector(sample_sector(1001, 2), false).ok());
    REQUIRE(reg->import_sector(sample_sector(1001, 3), false).ok());
    REQUIRE(*reg->mark_for_rebuild({1001, 1}, 0, true, 500));
    REQUIRE(*reg->mark_for_rebuild({1001, 2}, 3, false, 501));
    REQUIRE(*reg->mark_for_rebuild({1001, 3}, 0, false, 502));

    auto queue = reg->list_queue();
    REQUIRE(queue.ok());
    REQUIRE(queue->size() == 3);
    CHECK((*queue)[0].key == SectorKey{1001, 2});
    CHECK((*queue)[0].priority == 3);
    CHECK((*queue)[1].key == SectorKey{1001, 1});
    CHECK((*queue)[1].enqueued_at == 500);
    CHECK((*queue)[1].pieces_available);
    CHECK((*queue)[2].key == SectorKey{1001, 3});
    CHECK_FALSE((*queue)[2].pieces_available);
    CHECK((*queue)[1].seq < (*queue)[0].seq);
    CHECK((*queue)[0].seq < (*queue)[2].seq);
    for (const auto &entry : *queue) {
        CHECK(entry.lease_worker.empty());
        CHECK(entry.lease_id == 0);
        CHECK(entry.allocations == 0);
    }

    AllocationFilter unnamed; // a worker that gave no name is recorded as "?"
    unnamed.location = "/var/lib/worker/0";
    unnamed.lease_seconds = 120;
    unnamed.allowed_miners = {1001};
    unnamed.allowed_proofs = {5};
    REQUIRE(*reg->cancel({1001, 2}) == CancelOutcome::removed_from_queue); // sector 1 is first now
    auto a = reg->allocate(unnamed, 1000);
    REQUIRE(a.ok());
    REQUIRE(a->has_value());
    CHECK((*a)->sector.key == SectorKey{1001, 1});
    CHECK((*a)->sector.pieces == deal.pieces);
    CHECK((*a)->sector.online);
    CHECK((*a)->entry.lease_worker == "?");
    CHECK((*a)->entry.lease_location == "/var/lib/worker/0");
    CHECK((*a)->entry.lease_expires == 1120);
    CHECK((*a)->entry.allocations == 1);
    CHECK((*a)->entry.lease_id != 0);
    CHECK((*a)->entry.enqueued_at == 500);
    auto stored = reg->queue_entry({1001, 1});
    REQUIRE(stored->has_value());
    CHECK((*stored)->lease_id == (*a)->entry.lease_id);
    CHECK((*stored)->lease_worker == "?");
    CHECK((*stored)->lease_location == "/var/lib/worker/0");
    CHECK((*stored)->lease_expires == 1120);
}

TEMPLATE_TEST_CASE("registry lifecycle: replace keeps lifecycle and location, never while a rebuild is queued",
                   "[registry]", SqliteBackend, PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    auto rec = sample_sector(1001, 1);
    rec.store = "store-a";
    REQUIRE(reg->import_sector(rec, false).ok());
    REQUIRE(reg->abort({1001, 1}, 0, "permanent: old failure").ok());

    auto changed = sample_sector(1001, 1); // no store: keep the one registered
    changed.comm_d = "baga6ea4seaqchanged";
    auto replaced = reg->import_sector(changed, true);
    REQUIRE(replaced.ok());
    CHECK(*replaced == ImportOutcome::replaced);
    auto s = reg->get_sector({1001, 1});
    CHECK((*s)->comm_d == "baga6ea4seaqchanged");
    CHECK((*s)->store == "store-a");
    CHECK((*s)->abort_reason == "permanent: old failure");
    CHECK((*s)->finalized);
    CHECK_FALSE((*s)->online);

    REQUIRE(*reg->mark_for_rebuild({1001, 1}, 0, false, 10));
    auto busy = reg->import_sector(sample_sector(1001, 1), true);
    REQUIRE_FALSE(busy.ok());
    CHECK(busy.error().code == Errc::conflict);
    CHECK(busy.error().message == "sector s-t01001-1 has a rebuild queued or running; cancel it before replacing");
    CHECK((*reg->get_sector({1001, 1}))->comm_d == "baga6ea4seaqchanged");
    CHECK(reg->queue_entry({1001, 1})->has_value());

    // A sector marked removed is never queued.
    auto gone = sample_sector(1001, 2);
    gone.removed = true;
    REQUIRE(reg->import_sector(gone, false).ok());
    auto marked = reg->mark_for_rebuild({1001, 2}, 0, false, 10);
    REQUIRE(marked.ok());
    CHECK_FALSE(*marked);
    CHECK_FALSE(reg->queue_entry({1001, 2})->has_value());
}

TEMPLATE_TEST_CASE("registry lifecycle: updates of an unknown sector name it", "[registry]", SqliteBackend,
                   PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    REQUIRE(reg->import_sector(sample_sector(1001, 1), false).ok());
    auto location = reg->set_location({1001, 2}, "store-a");
    REQUIRE_FALSE(location.ok());
    CHECK(location.error().code == Errc::not_found);
    CHECK(location.error().message == "sector s-t01001-2 not found");
    auto roots = reg->set_tree_roots({1002, 1}, Bytes32{}, Bytes32{});
    REQUIRE_FALSE(roots.ok());
    CHECK(roots.error().code == Errc::not_found);
    CHECK(roots.error().message == "sector s-t01002-1 not found");
    auto missing = reg->get_sector({1001, 2});
    REQUIRE(missing.ok());
    CHECK_FALSE(missing->has_value());
    CHECK_FALSE(reg->queue_entry({1001, 2})->has_value());
    SectorFilter offline;
    offline.online = false;
    auto listed = reg->list_sectors(offline);
    REQUIRE(listed->size() == 1);
    CHECK(listed->front().key == SectorKey{1001, 1});
}

TEMPLATE_TEST_CASE("registry lifecycle: workers, stores and reservations keep every field", "[registry]", SqliteBackend,
                   PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    WorkerRecord w;
    w.name = "worker-b";
    w.address = "10.0.0.2:17890";
    w.version = "0.1.0";
    w.last_ping = 1700000000;
    w.threads = 8;
    w.empty = 1;
    w.paused = 2;
    w.running = 3;
    w.waiting = 1;
    w.errors = 1;
    w.threads_json = R"([{"index":0,"plan":"rebuild"}])";
    REQUIRE(reg->upsert_worker(w).ok());
    WorkerRecord first;
    first.name = "worker-a";
    REQUIRE(reg->upsert_worker(first).ok());
    w.version = "0.2.0";
    w.errors = 0;
    REQUIRE(reg->upsert_worker(w).ok());
    auto workers = reg->list_workers();
    REQUIRE(workers.ok());
    REQUIRE(workers->size() == 2);
    CHECK((*workers)[0].name == "worker-a");
    const WorkerRecord &got = (*workers)[1];
    CHECK(got.name == "worker-b");
    CHECK(got.address == "10.0.0.2:17890");
    CHECK(got.version == "0.2.0");
    CHECK(got.last_ping == 1700000000);
    CHECK(got.threads == 8);
    CHECK(got.empty == 1);
    CHECK(got.paused == 2);
    CHECK(got.running == 3);
    CHECK(got.waiting == 1);
    CHECK(got.errors == 0);
    CHECK(got.threads_json == R"([{"index":0,"plan":"rebuild"}])");

    PersistStoreRecord b{"store-b", "/srv/b", 2, true, {}, {1001}};
    PersistStoreRecord a{"store-a", "/srv/a", 1, false, {1001, 1002}, {}};
    REQUIRE(reg->upsert_store(b).ok());
    REQUIRE(reg->upsert_store(a).ok());
    b.path = "/mnt/b";
    b.read_only = false;
    b.deny_miners = {};
    b.allow_miners = {1003};
    REQUIRE(reg->upsert_store(b).ok());
    auto stores = reg->list_stores();
    REQUIRE(stores.ok());
    CHECK(*stores == std::vector<PersistStoreRecord>{a, b});

    REQUIRE(reg->import_sector(sample_sector(1001, 1), false).ok());
    REQUIRE(reg->import_sector(sample_sector(1001, 2), false).ok());
    REQUIRE(reg->put_reservation({"store-b", {1001, 1}, 1ull << 35, 7}).ok());
    REQUIRE(reg->put_reservation({"store-a", {1001, 2}, 4096, 8}).ok());
    auto reservations = reg->list_reservations();
    REQUIRE(reservations.ok());
    REQUIRE(reservations->size() == 2);
    CHECK((*reservations)[0].store == "store-a"); // ordered by store
    CHECK((*reservations)[0].key == SectorKey{1001, 2});
    CHECK((*reservations)[1].size == (1ull << 35));
    CHECK((*reservations)[1].at == 7);
    REQUIRE(reg->release_reservation({1001, 1}).ok());
    REQUIRE(reg->release_reservation({1001, 9}).ok()); // nothing reserved: nothing to do
    CHECK(reservation_keys(*reg) == std::vector<SectorKey>{{1001, 2}});
}

TEMPLATE_TEST_CASE("registry lifecycle: two instances on one database see each other's leases", "[registry]",
                   SqliteBackend, PostgresBackend)
{
    DMC_BACKEND(backend);
    auto first = backend.open();
    auto second = backend.open();
    REQUIRE(first->import_sector(sample_sector(1001, 1), false).ok());
    REQUIRE(*first->mark_for_rebuild({1001, 1}, 0, false, 10));
    CHECK_FALSE(*second->mark_for_rebuild({1001, 1}, 0, false, 11));
    AllocationFilter f;
    f.worker = "w1";
    auto a = first->allocate(f, 100);
    REQUIRE(a->has_value());
    CHECK_FALSE(second->allocate(f, 100)->has_value());
    auto report = second->report_state({1001, 1}, (*a)->entry.lease_id, LatestState{}, 400);
    REQUIRE(report.ok());
    CHECK(report->lease_valid);
    REQUIRE(second->finalize({1001, 1}, (*a)->entry.lease_id, "store-a").ok());
    auto s = first->get_sector({1001, 1});
    CHECK_FALSE((*s)->online);
    CHECK((*s)->store == "store-a");
    CHECK(first->list_queue()->empty());
}
