// SPDX-License-Identifier: Apache-2.0
//
// The registry contract, run against every backend: import rules, rebuild
// lifecycle (queue, lease, finalize, abort, cancel), workers, stores, and
// allocation by several registry instances at once (several managers on
// one database). Each case runs once per backend (Catch2 template cases
// "- SqliteBackend" / "- PostgresBackend").
#include <catch2/catch.hpp>

#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>

#include "backends.hpp"
#include "registry_fixture.hpp"
#include "service/registry/registry_store.hpp"

using namespace dmc;
using namespace dmc::core;
using namespace dmc::service;
using dmc::test::PostgresBackend;
using dmc::test::sample_sector;
using dmc::test::SqliteBackend;

TEMPLATE_TEST_CASE("registry: schema is migrated and survives reopen", "[registry]", SqliteBackend, PostgresBackend)
{
    DMC_BACKEND(backend);
    {
        auto reg = backend.open();
        auto v = reg->schema_version();
        REQUIRE(v.ok());
        CHECK(*v == 3);
        REQUIRE(reg->import_sector(sample_sector(1001, 1), false).ok());
    }
    auto reg = backend.open();
    auto s = reg->get_sector({1001, 1});
    REQUIRE(s.ok());
    REQUIRE(s->has_value());
    CHECK((*s)->comm_r == sample_sector(1001, 1).comm_r);
}

TEMPLATE_TEST_CASE("registry: import is idempotent, conflicting values need replace", "[registry]", SqliteBackend,
                   PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    auto rec = sample_sector(1001, 7);
    rec.pieces.push_back({
        "baga6ea4seaqpiece",
        1024,
        0,
        42,
        std::string("file:///p"),
    });
    rec.upgraded = true;
    rec.snap = SnapRecord{"StackedDrg2KiBV1_1", std::string("baga6ea4seaqnew"), std::string("bagboea4b5abcnew"), {}};

    auto a = reg->import_sector(rec, false);
    REQUIRE(a.ok());
    CHECK(*a == ImportOutcome::added);
    auto b = reg->import_sector(rec, false);
    REQUIRE(b.ok());
    CHECK(*b == ImportOutcome::unchanged);

    auto changed = rec;
    changed.comm_r = "bagboea4b5abcdifferent";
    auto c = reg->import_sector(changed, false);
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().code == Errc::conflict);
    CHECK(c.error().message == "sector s-t01001-7 is already registered with different values (comm_r: registered " +
                                   rec.comm_r + ", imported bagboea4b5abcdifferent); pass --replace to overwrite them");
    auto d = reg->import_sector(changed, true);
    REQUIRE(d.ok());
    CHECK(*d == ImportOutcome::replaced);
    auto got = reg->get_sector({1001, 7});
    REQUIRE(got.ok());
    CHECK((*got)->comm_r == "bagboea4b5abcdifferent");
    REQUIRE((*got)->pieces.size() == 1);
    CHECK((*got)->pieces[0].deal_id == 42u);
    CHECK((*got)->pieces[0].source == std::string("file:///p"));
    REQUIRE((*got)->snap.has_value());
    CHECK((*got)->snap->comm_r_new == std::string("bagboea4b5abcnew"));
    CHECK((*got)->finalized);
    CHECK_FALSE((*got)->online);
}

TEMPLATE_TEST_CASE("registry: mark for rebuild moves a sector online once", "[registry]", SqliteBackend,
                   PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    REQUIRE(reg->import_sector(sample_sector(1001, 1), false).ok());
    auto first = reg->mark_for_rebuild({1001, 1}, 0, false, 100);
    REQUIRE(first.ok());
    CHECK(*first);
    auto again = reg->mark_for_rebuild({1001, 1}, 0, false, 101);
    REQUIRE(again.ok());
    CHECK_FALSE(*again);
    auto s = reg->get_sector({1001, 1});
    CHECK((*s)->online);
    CHECK((*s)->need_rebuild);
    CHECK_FALSE((*s)->finalized);
    auto q = reg->list_queue();
    REQUIRE(q.ok());
    REQUIRE(q->size() == 1);
    CHECK(q->front().key == SectorKey{1001, 1});
    auto unknown = reg->mark_for_rebuild({1001, 99}, 0, false, 100);
    REQUIRE(unknown.ok());
    CHECK_FALSE(*unknown);
}

TEMPLATE_TEST_CASE("registry: allocation is FIFO within priority and honours filters", "[registry]", SqliteBackend,
                   PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    REQUIRE(reg->import_sector(sample_sector(1001, 1, 5), false).ok());
    REQUIRE(reg->import_sector(sample_sector(1001, 2, 5), false).ok());
    REQUIRE(reg->import_sector(sample_sector(1002, 3, 6), false).ok());
    REQUIRE(reg->import_sector(sample_sector(1001, 4, 5), false).ok());
    REQUIRE(*reg->mark_for_rebuild({1001, 1}, 0, false, 10));
    REQUIRE(*reg->mark_for_rebuild({1001, 2}, 0, false, 11));
    REQUIRE(*reg->mark_for_rebuild({1002, 3}, 0, false, 12));
    REQUIRE(*reg->mark_for_rebuild({1001, 4}, 5, false, 13)); // higher priority, enqueued last

    AllocationFilter only_1002;
    only_1002.allowed_miners = {1002};
    only_1002.worker = "w1";
    auto a = reg->allocate(only_1002, 20);
    REQUIRE(a.ok());
    REQUIRE(a->has_value());
    CHECK((*a)->sector.key == SectorKey{1002, 3});

    AllocationFilter proof6_only;
    proof6_only.allowed_proofs = {6};
    auto none = reg->allocate(proof6_only, 20);
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());

    AllocationFilter any;
    any.worker = "w2";
    std::vector<SectorKey> order;
    for (int i = 0; i < 3; ++i) {
        auto x = reg->allocate(any, 20);
        REQUIRE(x.ok());
        REQUIRE(x->has_value());
        order.push_back((*x)->sector.key);
        CHECK((*x)->entry.lease_worker == "w2");
        CHECK((*x)->entry.allocations == 1);
    }
    CHECK(order == std::vector<SectorKey>{{1001, 4}, {1001, 1}, {1001, 2}});
    auto empty = reg->allocate(any, 20);
    REQUIRE(empty.ok());
    CHECK_FALSE(empty->has_value());
}

TEMPLATE_TEST_CASE("registry: an expired lease is re-allocated and the old holder is fenced off", "[registry]",
                   SqliteBackend, PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    REQUIRE(reg->import_sector(sample_sector(1001, 1), false).ok());
    REQUIRE(*reg->mark_for_rebuild({1001, 1}, 0, false, 10));
    AllocationFilter f;
    f.worker = "w1";
    f.lease_seconds = 60;
    auto first = reg->allocate(f, 100);
    REQUIRE(first->has_value());
    uint64_t lease1 = (*first)->entry.lease_id;

    // Still leased at t=150: nothing to allocate.
    f.worker = "w2";
    CHECK_FALSE(reg->allocate(f, 150)->has_value());
    // A report renews the lease to t=300.
    LatestState st;
    st.next = "PC1Done";
    auto rep = reg->report_state({1001, 1}, lease1, st, 300);
    REQUIRE(rep.ok());
    CHECK(rep->online);
    CHECK(rep->lease_valid);
    CHECK_FALSE(reg->allocate(f, 250)->has_value());
    // Expired at t=301: w2 gets it with a new lease id.
    auto second = reg->allocate(f, 301);
    REQUIRE(second->has_value());
    uint64_t lease2 = (*second)->entry.lease_id;
    CHECK(lease2 != lease1);
    CHECK((*second)->entry.allocations == 2);

    auto stale = reg->report_state({1001, 1}, lease1, st, 999);
    REQUIRE(stale.ok());
    CHECK_FALSE(stale->lease_valid);
    auto stale_finalize = reg->finalize({1001, 1}, lease1, "store-a");
    REQUIRE_FALSE(stale_finalize.ok());
    CHECK(stale_finalize.error().code == Errc::conflict);
    REQUIRE(reg->finalize({1001, 1}, lease2, "store-a").ok());
}

TEMPLATE_TEST_CASE("registry: finalize clears the rebuild flag and records the location", "[registry]", SqliteBackend,
                   PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    auto rec = sample_sector(1001, 1);
    rec.pieces.push_back({"baga6ea4seaqpiece", 2048, 0, 7, std::nullopt});
    REQUIRE(reg->import_sector(rec, false).ok());
    REQUIRE(reg->abort({1001, 1}, 0, "earlier failure").ok());
    REQUIRE(*reg->mark_for_rebuild({1001, 1}, 0, true, 10));
    REQUIRE(reg->put_reservation({"store-b", {1001, 1}, 4096, 11}).ok());
    auto a = reg->allocate(AllocationFilter{}, 12);
    REQUIRE(a->has_value());
    CHECK((*a)->entry.pieces_available);
    REQUIRE(reg->finalize({1001, 1}, (*a)->entry.lease_id, "store-b").ok());
    auto s = reg->get_sector({1001, 1});
    CHECK_FALSE((*s)->online);
    CHECK_FALSE((*s)->need_rebuild);
    CHECK((*s)->finalized);
    CHECK((*s)->store == "store-b");
    CHECK((*s)->abort_reason.empty()); // R13: an old abort reason does not survive success
    REQUIRE((*s)->pieces.size() == 1);
    CHECK(reg->list_queue()->empty());
    CHECK(reg->list_reservations()->empty());
}

TEMPLATE_TEST_CASE("registry: abort keeps deal and snap info and the sector can be queued again", "[registry]",
                   SqliteBackend, PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    auto rec = sample_sector(1001, 1);
    rec.pieces.push_back({"baga6ea4seaqpiece", 2048, 0, 7, std::nullopt});
    rec.upgraded = true;
    rec.snap = SnapRecord{"StackedDrg2KiBV1_1",
                          std::string("baga6ea4seaqnew"),
                          std::string("bagboea4b5abcnew"),
                          {{"baga6ea4seaqsnappiece", 2048, 0, 9, std::nullopt}}};
    REQUIRE(reg->import_sector(rec, false).ok());
    REQUIRE(*reg->mark_for_rebuild({1001, 1}, 0, false, 10));
    auto a = reg->allocate(AllocationFilter{}, 11);
    REQUIRE(reg->abort({1001, 1}, (*a)->entry.lease_id, "permanent: comm_r mismatch").ok());
    auto s = reg->get_sector({1001, 1});
    CHECK_FALSE((*s)->online);
    CHECK((*s)->need_rebuild);
    CHECK((*s)->finalized);
    CHECK((*s)->abort_reason == "permanent: comm_r mismatch");
    REQUIRE((*s)->pieces.size() == 1);
    CHECK((*s)->pieces[0].deal_id == 7u);
    REQUIRE((*s)->snap.has_value());
    CHECK((*s)->snap->comm_r_new == std::string("bagboea4b5abcnew"));
    REQUIRE((*s)->snap->pieces.size() == 1);
    CHECK(*reg->mark_for_rebuild({1001, 1}, 0, false, 20));
}

TEMPLATE_TEST_CASE("registry: cancel removes a queued entry or flags a leased one", "[registry]", SqliteBackend,
                   PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    REQUIRE(reg->import_sector(sample_sector(1001, 1), false).ok());
    REQUIRE(reg->import_sector(sample_sector(1001, 2), false).ok());
    REQUIRE(*reg->mark_for_rebuild({1001, 1}, 0, false, 10));
    REQUIRE(*reg->mark_for_rebuild({1001, 2}, 0, false, 11));
    auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    AllocationFilter f;
    f.worker = "w";
    auto a = reg->allocate(f, now); // leases sector 1
    REQUIRE(a->has_value());
    CHECK((*a)->sector.key == SectorKey{1001, 1});

    auto queued = reg->cancel({1001, 2});
    REQUIRE(queued.ok());
    CHECK(*queued == CancelOutcome::removed_from_queue);
    CHECK_FALSE((*reg->get_sector({1001, 2}))->online);

    auto running = reg->cancel({1001, 1});
    REQUIRE(running.ok());
    CHECK(*running == CancelOutcome::cancel_requested);
    auto rep = reg->report_state({1001, 1}, (*a)->entry.lease_id, LatestState{}, now + 60);
    REQUIRE(rep.ok());
    CHECK(rep->cancel_requested);
    CHECK(*reg->cancel({1001, 3}) == CancelOutcome::not_queued);
}

TEMPLATE_TEST_CASE("registry: workers and persist stores", "[registry]", SqliteBackend, PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    WorkerRecord w;
    w.name = "worker-a";
    w.address = "127.0.0.1:17890";
    w.threads = 2;
    w.running = 1;
    w.last_ping = 5;
    REQUIRE(reg->upsert_worker(w).ok());
    w.running = 2;
    w.last_ping = 6;
    REQUIRE(reg->upsert_worker(w).ok());
    auto ws = reg->list_workers();
    REQUIRE(ws->size() == 1);
    CHECK(ws->front().running == 2);
    CHECK(ws->front().last_ping == 6);

    PersistStoreRecord s{"store-a", "/srv/a", 3, false, {1001, 1002}, {1003}};
    REQUIRE(reg->upsert_store(s).ok());
    auto ss = reg->list_stores();
    REQUIRE(ss->size() == 1);
    CHECK(ss->front() == s);
}

TEMPLATE_TEST_CASE("registry: two registry instances allocating at once never hand out an entry twice", "[registry]",
                   SqliteBackend, PostgresBackend)
{
    // Two instances on one location are two managers on one database.
    DMC_BACKEND(backend);
    auto first = backend.open();
    auto second = backend.open();
    constexpr uint64_t kSectors = 60;
    for (uint64_t n = 1; n <= kSectors; ++n) {
        REQUIRE(first->import_sector(sample_sector(1001, n), false).ok());
        REQUIRE(*first->mark_for_rebuild({1001, n}, 0, false, 10));
    }
    std::mutex mu;
    std::vector<SectorKey> keys;
    std::set<uint64_t> lease_ids;
    std::vector<std::string> errors;
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            RegistryStore &reg = t % 2 ? *second : *first;
            AllocationFilter f;
            f.worker = "w";
            f.worker += std::to_string(t); // (gcc 12 -Wrestrict false positive on "w" + …)
            for (;;) {
                auto a = reg.allocate(f, 100);
                std::lock_guard lock(mu);
                if (!a) {
                    errors.push_back(a.error().message);
                    return;
                }
                if (!a->has_value()) return;
                keys.push_back((*a)->sector.key);
                lease_ids.insert((*a)->entry.lease_id);
            }
        });
    }
    for (auto &t : threads) t.join();
    CHECK(errors.empty());
    CHECK(keys.size() == kSectors);
    CHECK(std::set<SectorKey>(keys.begin(), keys.end()).size() == kSectors);
    CHECK(lease_ids.size() == kSectors);
    auto queue = second->list_queue();
    REQUIRE(queue.ok());
    for (const auto &q : *queue) CHECK(q.allocations == 1);
}

TEMPLATE_TEST_CASE("registry: listings carry pieces and snap info of every sector", "[registry]", SqliteBackend,
                   PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    auto deal = sample_sector(1001, 1);
    deal.pieces = {{"baga6ea4seaqa", 1024, 0, 7, std::string("file:///a")},
                   {"baga6ea4seaqb", 1024, 1024, std::nullopt, std::nullopt}};
    deal.store = "store-a";
    auto snap = sample_sector(1002, 2);
    snap.upgraded = true;
    snap.snap = SnapRecord{"StackedDrg2KiBV1_1",
                           std::string("baga6ea4seaqnew"),
                           std::nullopt,
                           {{"baga6ea4seaqc", 2048, 0, 9, std::nullopt}}};
    snap.store = "store-b";
    REQUIRE(reg->import_sector(deal, false).ok());
    REQUIRE(reg->import_sector(snap, false).ok());
    REQUIRE(reg->import_sector(sample_sector(1001, 3), false).ok());
    REQUIRE(*reg->mark_for_rebuild({1001, 3}, 0, false, 10));

    auto all = reg->list_sectors(SectorFilter{});
    REQUIRE(all.ok());
    REQUIRE(all->size() == 3);
    // Ordered by miner, then number.
    CHECK((*all)[0].pieces == deal.pieces);
    CHECK((*all)[1].online);
    CHECK((*all)[2].snap == snap.snap);
    CHECK((*all)[2].pieces.empty());
    SectorFilter in_b;
    in_b.store = "store-b";
    auto b = reg->list_sectors(in_b);
    REQUIRE(b->size() == 1);
    CHECK(b->front().key == SectorKey{1002, 2});
    SectorFilter online;
    online.online = true;
    online.miner = 1001;
    auto on = reg->list_sectors(online);
    REQUIRE(on->size() == 1);
    CHECK(on->front().key == SectorKey{1001, 3});
    REQUIRE(reg->set_location({1001, 1}, "store-c").ok());
    CHECK((*reg->get_sector({1001, 1}))->store == "store-c");
    CHECK(reg->set_location({1001, 99}, "store-c").error().code == Errc::not_found);
    Bytes32 c{}, r{};
    c[0] = 1;
    r[0] = 2;
    REQUIRE(reg->set_tree_roots({1001, 1}, c, r).ok());
    CHECK((*reg->get_sector({1001, 1}))->comm_r_last == r);
    REQUIRE(reg->put_reservation({"store-a", {1001, 3}, 4096, 5}).ok());
    REQUIRE(reg->put_reservation({"store-b", {1001, 3}, 8192, 6}).ok()); // replaces
    auto res = reg->list_reservations();
    REQUIRE(res->size() == 1);
    CHECK(res->front().store == "store-b");
    CHECK(res->front().size == 8192);
    REQUIRE(reg->release_reservation({1001, 3}).ok());
    CHECK(reg->list_reservations()->empty());
}
