// SPDX-License-Identifier: Apache-2.0
//
// Migration 3 (docs/file-formats.md §11): the record's keep-unsealed flag
// and rebuilds queued with --unsealed, on every backend; what an unseal
// thread may allocate; and a version-1 SQLite registry upgraded in place
// with its rows kept.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include "backends.hpp"
#include "registry_fixture.hpp"
#include "service/registry/registry_schema.hpp"
#include "service/registry/registry_store.hpp"

using namespace dmc;
using namespace dmc::core;
using namespace dmc::service;
using dmc::test::PostgresBackend;
using dmc::test::sample_sector;
using dmc::test::SqliteBackend;

TEMPLATE_TEST_CASE("registry unsealed: the keep flag is a registered value, --unsealed is kept by the queue",
                   "[registry]", SqliteBackend, PostgresBackend)
{
    DMC_BACKEND(backend);
    auto reg = backend.open();
    auto kept = sample_sector(1001, 1);
    kept.keep_unsealed = true;
    REQUIRE(reg->import_sector(kept, false).ok());
    REQUIRE(reg->import_sector(sample_sector(1001, 2), false).ok());
    CHECK((*reg->get_sector({1001, 1}))->keep_unsealed);
    CHECK_FALSE((*reg->get_sector({1001, 2}))->keep_unsealed);
    // Same values again: unchanged. A source that does not know about the
    // copy (the chain, damocles' export) leaves the flag as it is; one that
    // asks for a copy the registry does not keep conflicts unless replaced.
    CHECK(*reg->import_sector(kept, false) == ImportOutcome::unchanged);
    CHECK(*reg->import_sector(sample_sector(1001, 1), false) == ImportOutcome::unchanged);
    CHECK((*reg->get_sector({1001, 1}))->keep_unsealed);
    auto asks = sample_sector(1001, 2);
    asks.keep_unsealed = true;
    auto conflict = reg->import_sector(asks, false);
    REQUIRE_FALSE(conflict.ok());
    CHECK(conflict.error().code == Errc::conflict);
    CHECK(conflict.error().message.find("unsealed: registered false, imported true") != std::string::npos);
    CHECK(*reg->import_sector(asks, true) == ImportOutcome::replaced);
    CHECK((*reg->get_sector({1001, 2}))->keep_unsealed);
    CHECK(*reg->import_sector(kept, true) == ImportOutcome::unchanged);

    REQUIRE(*reg->mark_for_rebuild({1001, 1}, RebuildMark{0, false, false}, 10));
    REQUIRE(*reg->mark_for_rebuild({1001, 2}, RebuildMark{0, false, true}, 11));
    CHECK_FALSE((*reg->queue_entry({1001, 1}))->unsealed);
    CHECK((*reg->queue_entry({1001, 2}))->unsealed);

    // An unseal thread skips the older entry that did not ask for the copy.
    AllocationFilter unseal;
    unseal.unsealed_only = true;
    auto a = reg->allocate(unseal, 20);
    REQUIRE(a.ok());
    REQUIRE(a->has_value());
    CHECK((*a)->sector.key == SectorKey{1001, 2});
    CHECK((*a)->entry.unsealed);
    auto none = reg->allocate(unseal, 21);
    REQUIRE(none.ok());
    CHECK_FALSE(none->has_value());
    auto rebuild = reg->allocate(AllocationFilter{}, 22);
    REQUIRE(rebuild->has_value());
    CHECK((*rebuild)->sector.key == SectorKey{1001, 1});
    CHECK((*rebuild)->sector.keep_unsealed);
}

TEST_CASE("registry unsealed: a version-1 SQLite registry is migrated to the latest with its rows kept", "[registry]")
{
    dmc::test::TempDir dir("reg-v1");
    const std::string path = dir / "registry.db";
    {
        // A registry as migration 1 left it, with one queued sector.
        sqlite3 *db = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        const std::string v1 = registry_migrations().at(0).sql;
        const std::string rows =
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at "
            "BIGINT NOT NULL);"
            "INSERT INTO schema_migrations VALUES (1, 'v1', 0);"
            "INSERT INTO sectors (miner, number, proof, ticket, comm_d, comm_r, online, need_rebuild, finalized) "
            "VALUES (1001, 7, 5, NULL, 'baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy', "
            "'bagboea4b5abcbnym7z3pgc64fk5wwsk3nsmz62jamgaa3pekzelmm3fv5q6g6zji', 1, 1, 0);"
            "INSERT INTO rebuild_queue (miner, number, priority, seq, enqueued_at) VALUES (1001, 7, 2, 1, 5);";
        char *err = nullptr;
        const int rc = sqlite3_exec(db, (v1 + ";" + rows).c_str(), nullptr, nullptr, &err);
        const std::string message = err ? err : "";
        sqlite3_free(err);
        sqlite3_close(db);
        INFO(message);
        REQUIRE(rc == SQLITE_OK);
    }
    auto reg = open_registry(path);
    REQUIRE(reg.ok());
    CHECK(*(*reg)->schema_version() == 3);
    auto s = (*reg)->get_sector({1001, 7});
    REQUIRE(s->has_value());
    CHECK_FALSE((*s)->keep_unsealed);
    CHECK((*s)->need_rebuild);
    auto q = (*reg)->queue_entry({1001, 7});
    REQUIRE(q->has_value());
    CHECK((*q)->priority == 2);
    CHECK_FALSE((*q)->unsealed);
}
