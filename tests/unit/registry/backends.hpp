// SPDX-License-Identifier: Apache-2.0
//
// The registry backends the contract suite runs on. Each gives a fresh,
// empty registry location: a file in a temp dir for SQLite, a new database
// on the shared test server for PostgreSQL.
#pragma once

#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "postgres_fixture.hpp"
#include "process.hpp"
#include "service/registry/registry_store.hpp"
#include "skip.hpp"

namespace dmc::test {

struct SqliteBackend {
    static constexpr const char *kName = "sqlite";
    TempDir dir{"reg"};
    std::string location;

    bool prepare()
    {
        location = dir / "registry.db";
        return true;
    }
};

struct PostgresBackend {
    static constexpr const char *kName = "postgres";
    std::string location;

    bool prepare()
    {
        PostgresServer *server = PostgresServer::shared();
        if (!server) {
            if (PostgresServer::must_run())
                FAIL("PostgreSQL is required here: " << PostgresServer::unavailable_reason());
            const std::string reason = "PostgreSQL unavailable: " + PostgresServer::unavailable_reason();
            mark_skipped(reason);
            WARN("SKIPPED: " << reason);
            return false;
        }
        location = server->create_database("reg");
        return true;
    }
};

} // namespace dmc::test

// In a TEMPLATE_TEST_CASE over the backends: declares `name` (the backend,
// with .open() for a registry on it) or leaves a skipped test.
#define DMC_BACKEND(name)                                                                                              \
    struct name##_t : TestType {                                                                                       \
        std::unique_ptr<::dmc::service::RegistryStore> open()                                                          \
        {                                                                                                              \
            auto reg = ::dmc::service::open_registry(this->location);                                                  \
            if (!reg) FAIL(TestType::kName << " registry at " << this->location << ": " << reg.error().message);       \
            REQUIRE((*reg)->backend() == TestType::kName);                                                             \
            return std::move(*reg);                                                                                    \
        }                                                                                                              \
    } name;                                                                                                            \
    if (!name.prepare()) return
