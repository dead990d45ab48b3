// SPDX-License-Identifier: Apache-2.0
//
// A damaged SQLite registry (docs/architecture.md §7.5): truncated to
// nothing, truncated to half, overwritten in the middle, its header
// destroyed, or replaced by an SQLite file that is not a registry. The
// manager refuses to start with one line naming the file, and leaves the
// file as it was: it never starts on an empty registry in its place.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <functional>

#include <nlohmann/json.hpp>

#include "manager_fixture.hpp"
#include "ops_support.hpp"

using namespace dmc::test;
using namespace dmc::test::ops;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A registry holding 40 sectors (several pages), the manager stopped and
// the WAL checkpointed, so that everything is in registry.db itself.
std::string populated_registry(ManagerFixture &m)
{
    dmc::service::rpc::Client c(m.address(), m.token());
    json sectors = json::array();
    for (uint64_t n = 1; n <= 40; ++n) sectors.push_back(paper_sector(1001, n));
    REQUIRE(c.call("Venus.SectorsImport", json::array({{{"sectors", sectors}}})).ok());
    m.stop();
    const std::string db = m.home() + "/registry.db";
    REQUIRE(fs::exists(db));
    // Whatever the WAL still holds goes into the file itself.
    auto r = run({"/usr/bin/python3", "-c",
                  "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('PRAGMA wal_checkpoint(TRUNCATE)'); "
                  "c.close()",
                  db});
    REQUIRE(r.exit_code == 0);
    REQUIRE_FALSE(fs::exists(db + "-wal"));
    return db;
}

void overwrite(const std::string &path, uint64_t offset, const std::string &bytes)
{
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offset));
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string last_line(std::string text)
{
    while (!text.empty() && text.back() == '\n') text.pop_back();
    const auto nl = text.rfind('\n');
    return nl == std::string::npos ? text : text.substr(nl + 1);
}

} // namespace

TEST_CASE("faults: a truncated or corrupted SQLite registry: the manager refuses to start, naming the file",
          "[faults][registry]")
{
    ManagerFixture m("[[Miners]]\nActor = 1001\n", "registry-damaged");
    const std::string db = populated_registry(m);
    const std::string good = slurp(db);
    REQUIRE(good.size() >= 4 * 4096);

    struct Damage {
        const char *what;
        std::function<void()> apply;
    };
    const std::vector<Damage> damages = {
        {"truncated to nothing", [&] { fs::resize_file(db, 0); }},
        {"truncated to half", [&] { fs::resize_file(db, good.size() / 2); }},
        {"overwritten in the middle", [&] { overwrite(db, good.size() / 2, std::string(8192, '\x5a')); }},
        {"header destroyed", [&] { overwrite(db, 0, std::string(100, '\0')); }},
        {"an SQLite file that is not a registry",
         [&] {
             fs::remove(db);
             auto r = run({"/usr/bin/python3", "-c",
                           "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('create table t(x)'); "
                           "c.commit()",
                           db});
             REQUIRE(r.exit_code == 0);
         }},
    };
    for (const auto &damage : damages) {
        INFO(damage.what);
        for (const char *leftover : {"-wal", "-shm"}) fs::remove(db + leftover);
        write_text(db, good);
        damage.apply();
        const std::string damaged = slurp(db);
        auto r = run({damocles_manager(), "--home", m.home(), "daemon", "run", "--listen", "127.0.0.1:0"},
                     RunOptions{{}, "", "", std::chrono::seconds(30)});
        INFO(r.err);
        CHECK(r.exit_code == 1);
        CHECK_THAT(last_line(r.err), Catch::StartsWith("registry " + db + " is damaged (") &&
                                         Catch::Contains("restore it from a backup"));
        CHECK(slurp(db) == damaged); // left as it was, not replaced by an empty registry
    }

    // Put back whole, the registry serves its sectors again.
    write_text(db, good);
    fs::remove(db + "-wal");
    fs::remove(db + "-shm");
    m.restart();
    dmc::service::rpc::Client c(m.address(), m.token());
    auto listed = c.call("Venus.ListSectors", json::array({{{"online", false}}}));
    REQUIRE(listed.ok());
    CHECK(listed->size() == 40);
}
