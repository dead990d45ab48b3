// SPDX-License-Identifier: Apache-2.0
//
// A real PostgreSQL server for tests: initdb into a temp dir, postgres on
// 127.0.0.1 on a free port (trust auth, no fsync), stopped when the fixture
// goes away, and by the kernel if the test process dies first (parent-death
// signal). PostgreSQL refuses to run as root, so as root (CI) it runs as the
// `postgres` system user with the temp dir given to it; otherwise as the
// current user.
//
// Policy when it cannot run: as root (CI, where test.sh installs the
// packages) or with DMC_REQUIRE_POSTGRES=1 the test fails loudly; on a
// developer machine without the binaries it is skipped with a warning.
#pragma once

#include <memory>
#include <string>
#include <sys/types.h>

#include "process.hpp"
#include "skip.hpp"

namespace dmc::test {

class PostgresServer {
public:
    // Starts a server; throws std::runtime_error (with initdb's or
    // postgres's log) when it cannot.
    PostgresServer();
    ~PostgresServer();
    PostgresServer(const PostgresServer &) = delete;
    PostgresServer &operator=(const PostgresServer &) = delete;

    // The server shared by the tests of this process, started on first use
    // (call it from the main thread: the parent-death signal follows the
    // thread that started the server). nullptr when PostgreSQL cannot run
    // here; unavailable_reason() says why and must_run() whether that is a
    // failure.
    static PostgresServer *shared();
    static const std::string &unavailable_reason();
    static bool must_run();

    int port() const { return port_; }
    // postgresql://postgres@127.0.0.1:<port>/<database>
    std::string url(const std::string &database) const;
    // A new empty database (unique name starting with `prefix`); its URL.
    std::string create_database(const std::string &prefix = "dmc");
    // psql -At -c <sql> on `database`.
    RunResult psql(const std::string &database, const std::string &sql) const;
    // Fast shutdown / start again on the same port and data.
    void stop();
    void start();

private:
    std::string bin(const std::string &tool) const;
    std::unique_ptr<TempDir> dir_;
    std::string bin_dir_, data_, log_;
    int port_ = 0;
    pid_t pid_ = -1;
    unsigned next_db_ = 0;
};

} // namespace dmc::test

// In a TEST_CASE: `DMC_POSTGRES_OR_SKIP(server);` declares `server` (a
// PostgresServer *) or leaves the test (skipped, see skip.hpp, or failed when
// PostgreSQL must run here).
#define DMC_POSTGRES_OR_SKIP(server)                                                                                   \
    ::dmc::test::PostgresServer *server = ::dmc::test::PostgresServer::shared();                                       \
    if (!server) {                                                                                                     \
        if (::dmc::test::PostgresServer::must_run())                                                                   \
            FAIL("PostgreSQL is required here: " << ::dmc::test::PostgresServer::unavailable_reason());                \
        DMC_SKIP("PostgreSQL unavailable: " << ::dmc::test::PostgresServer::unavailable_reason());                     \
    }
