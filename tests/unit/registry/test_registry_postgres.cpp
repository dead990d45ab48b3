// SPDX-License-Identifier: Apache-2.0
//
// What only the PostgreSQL registry has to get right: several managers
// starting at once on an empty database, a database that restarts under a
// running manager, unreachable servers (errors name the URL, never its
// password), and the schema being the same migrations as SQLite's.
#include <catch2/catch.hpp>

#include <thread>

#include "postgres_fixture.hpp"
#include "registry_fixture.hpp"
#include "service/registry/registry_store.hpp"

using namespace dmc;
using namespace dmc::core;
using namespace dmc::service;
using dmc::test::sample_sector;

TEST_CASE("registry postgres: managers starting at once on an empty database migrate it once", "[registry][postgres]")
{
    DMC_POSTGRES_OR_SKIP(server);
    const std::string url = server->create_database("mig");
    std::vector<std::thread> threads;
    std::vector<std::string> errors(4);
    for (size_t i = 0; i < errors.size(); ++i)
        threads.emplace_back([&, i] {
            auto reg = open_registry(url);
            if (!reg) errors[i] = reg.error().message;
        });
    for (auto &t : threads) t.join();
    for (const auto &e : errors) CHECK(e.empty());
    auto versions =
        server->psql(url.substr(url.rfind('/') + 1), "SELECT count(*), max(version) FROM schema_migrations");
    CHECK(versions.out == "3|3\n");
    // Same tables as the SQLite schema (registry_schema.cpp), nothing more.
    auto tables = server->psql(url.substr(url.rfind('/') + 1),
                               "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables "
                               "WHERE table_schema = 'public'");
    CHECK(tables.out ==
          "counters,persist_stores,pieces,rebuild_queue,reservations,schema_migrations,sectors,snap_info,workers\n");
}

TEST_CASE("registry postgres: a database restart under a running manager is survived", "[registry][postgres]")
{
    DMC_POSTGRES_OR_SKIP(server);
    auto reg = open_registry(server->create_database("restart"));
    REQUIRE(reg.ok());
    RegistryStore &r = **reg;
    REQUIRE(r.import_sector(sample_sector(1001, 1), false).ok());
    REQUIRE(r.mark_for_rebuild({1001, 1}, 0, false, 10).ok());

    server->stop();
    auto down = r.get_sector({1001, 1});
    REQUIRE_FALSE(down.ok());
    CHECK(down.error().code == Errc::io);
    INFO(down.error().message);
    CHECK(down.error().message.find("PostgreSQL") != std::string::npos);

    server->start();
    // Pooled connections broken by the restart are reset on next use.
    for (int i = 0; i < 3; ++i) {
        auto s = r.get_sector({1001, 1});
        REQUIRE(s.ok());
        CHECK((*s)->online);
    }
    auto a = r.allocate(AllocationFilter{}, 20);
    REQUIRE(a.ok());
    REQUIRE(a->has_value());
    REQUIRE(r.finalize({1001, 1}, (*a)->entry.lease_id, "store-a").ok());
}

TEST_CASE("registry postgres: an unreachable server is one clear error without the password", "[registry][postgres]")
{
    auto reg = open_registry("postgresql://dmc:s3cret@127.0.0.1:1/registry?connect_timeout=2");
    REQUIRE_FALSE(reg.ok());
    CHECK(reg.error().code == Errc::io);
    const std::string &m = reg.error().message;
    INFO(m);
    CHECK(m.rfind("cannot connect to the PostgreSQL registry postgresql://dmc:***@127.0.0.1:1/registry", 0) == 0);
    CHECK(m.find("s3cret") == std::string::npos);
    auto kv = open_registry("postgres://127.0.0.1:1/registry?password=s3cret&connect_timeout=2");
    REQUIRE_FALSE(kv.ok());
    CHECK(kv.error().message.find("s3cret") == std::string::npos);
    CHECK(kv.error().message.find("password=***") != std::string::npos);
}
