// SPDX-License-Identifier: Apache-2.0
//
// The SQL the registry sends, checked as text against what it must be: `?`
// placeholders numbered for PostgreSQL (never inside a quoted literal), the
// upserts generated from the column lists, and values read back from the
// text libpq returns.
#include <catch2/catch.hpp>

#include <limits>

#include "service/registry/postgres_dialect.hpp"
#include "service/registry/registry_columns.hpp"

using namespace dmc::service;

TEST_CASE("registry sql: placeholders are numbered outside quotes only", "[registry]")
{
    CHECK(numbered_placeholders("SELECT 1") == "SELECT 1");
    CHECK(numbered_placeholders("UPDATE t SET a = ?, b = ? WHERE miner = ? AND number = ?") ==
          "UPDATE t SET a = $1, b = $2 WHERE miner = $3 AND number = $4");
    CHECK(numbered_placeholders("WHERE (q.lease_worker = '' OR q.lease_expires < ?) AND q.miner IN (?, ?)") ==
          "WHERE (q.lease_worker = '' OR q.lease_expires < $1) AND q.miner IN ($2, $3)");
    CHECK(numbered_placeholders("SET abort_reason = 'why? it''s ?', x = ? WHERE \"odd?name\" = ?") ==
          "SET abort_reason = 'why? it''s ?', x = $1 WHERE \"odd?name\" = $2");
}

TEST_CASE("registry sql: upserts and inserts come from the column lists", "[registry]")
{
    CHECK(worker_columns().upsert_into("workers", 1) ==
          "INSERT INTO workers (name, address, version, last_ping, threads, empty, paused, running, waiting, errors, "
          "threads_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET address = "
          "excluded.address, version = excluded.version, last_ping = excluded.last_ping, threads = excluded.threads, "
          "empty = excluded.empty, paused = excluded.paused, running = excluded.running, waiting = excluded.waiting, "
          "errors = excluded.errors, threads_json = excluded.threads_json");
    CHECK(reservation_columns().upsert_into("reservations", 2) ==
          "INSERT INTO reservations (miner, number, store, size, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (miner, "
          "number) DO UPDATE SET store = excluded.store, size = excluded.size, at = excluded.at");
    CHECK(snap_columns().insert_into("snap_info") ==
          "INSERT INTO snap_info (proof, comm_d_new, comm_r_new) VALUES (?, ?, ?)");
    CHECK(queue_columns().select("q").rfind("q.miner, q.number, q.priority, q.seq, ", 0) == 0);
    CHECK(sector_columns().size() == 20);
    CHECK(sector_columns().select().find(", updated_at, chain_checked_epoch, keep_unsealed") != std::string::npos);
}

TEST_CASE("registry sql: values keep ids, flags and NULL whichever way they are read", "[registry]")
{
    const uint64_t big = std::numeric_limits<uint64_t>::max() - 1;
    SqlRow from_sqlite({SqlValue(big), SqlValue(true), SqlValue(), SqlValue("abc")});
    SqlRow from_libpq({SqlValue("-2"), SqlValue("1"), SqlValue(std::nullopt), SqlValue("abc")});
    for (const SqlRow &row : {from_sqlite, from_libpq}) {
        CHECK(row.unsigned_integer(0) == big);
        CHECK(row.flag(1));
        CHECK(row.is_null(2));
        CHECK(row.integer(2) == 0);
        CHECK(row.text(2).empty());
        CHECK_FALSE(row.optional_text(2).has_value());
        CHECK(row.optional_text(3) == std::string("abc"));
    }
    CHECK(SqlValue(int64_t{-7}).text() == "-7");
    CHECK(SqlValue(std::optional<std::string>()).is_null());
    CHECK(SqlValue(std::optional<uint64_t>(5)).integer() == 5);
}
