// SPDX-License-Identifier: Apache-2.0
//
// `sectors check --store` (docs/architecture.md §14.2) on one sealed 2KiB
// sector copied under several numbers, each damaged differently: every
// status and its action, comm_c/comm_r_last learnt from an intact p_aux
// (which is what makes a cache repair possible), --deep finding a replica
// whose size is right but whose nodes are not, unregistered files,
// --rebuild queueing exactly the damaged, and bad input.
#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "manager_fixture.hpp"
#include "ops_support.hpp"
#include "service/rpc/json_rpc.hpp"

using namespace dmc::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string id(uint64_t number) { return "s-t01002-" + std::to_string(number); }

struct StoreCheck {
    TempDir dir{"store-check"};
    std::string store = dir / "store";
    std::unique_ptr<ManagerFixture> manager;
    json record; // sector 1's import object

    StoreCheck()
    {
        fs::create_directories(store);
        manager = std::make_unique<ManagerFixture>(
            "[[Miners]]\nActor = 1002\n\n[[Common.PersistStores]]\nName = \"store-a\"\nPath = \"" + store + "\"\n");
        record = ops::seal_sector(1002, 1, store, "store-a");
        // A source without comm_c/comm_r_last (lotus-miner, curio, the chain).
        record.erase("comm_c");
        record.erase("comm_r_last");
    }

    // Sector 1's files and record under another number: the check compares
    // files with the record, so the copy is consistent.
    void add_copy(uint64_t number)
    {
        fs::copy_file(store + "/sealed/" + id(1), store + "/sealed/" + id(number));
        fs::copy(store + "/cache/" + id(1), store + "/cache/" + id(number));
        import_numbers({number});
    }

    void import_numbers(const std::vector<uint64_t> &numbers)
    {
        json sectors = json::array();
        for (uint64_t number : numbers) {
            json copy = record;
            copy["number"] = number;
            sectors.push_back(copy);
        }
        write_text(dir / "import.json", json{{"sectors", sectors}}.dump());
        auto imported = manager->cli({"util", "sealer", "sectors", "import", dir / "import.json"});
        INFO(imported.out << imported.err);
        REQUIRE(imported.exit_code == 0);
    }

    RunResult check(const std::vector<std::string> &extra = {}) const
    {
        std::vector<std::string> args = {"util", "sealer", "sectors", "check", "--store", "store-a"};
        args.insert(args.end(), extra.begin(), extra.end());
        return manager->cli(args);
    }

    std::map<std::string, std::pair<std::string, std::string>> rows(const std::vector<std::string> &extra = {}) const
    {
        std::vector<std::string> args = extra;
        args.push_back("--json");
        auto r = check(args);
        INFO(r.out << r.err);
        std::map<std::string, std::pair<std::string, std::string>> out;
        for (const auto &row : json::parse(r.out)) {
            const std::string key = row["number"].is_null() ? row["file"].get<std::string>()
                                                            : std::to_string(row["number"].get<uint64_t>());
            out[row["status"] == "unregistered" ? row["file"].get<std::string>() : key] = {row["status"],
                                                                                           row["action"]};
        }
        return out;
    }

    json state(uint64_t number) const
    {
        dmc::service::rpc::Client client(manager->address(), manager->token());
        auto r = client.call("Venus.FindSectorInAllStates", json::array({1002, number}));
        REQUIRE(r.ok());
        return *r;
    }
};

std::pair<std::string, std::string> status(const char *health, const char *action) { return {health, action}; }

} // namespace

TEST_CASE("store check: every damage, its action, and roots learnt from intact p_aux", "[store-check]")
{
    StoreCheck t;
    t.import_numbers({1});
    for (uint64_t number = 2; number <= 6; ++number) t.add_copy(number);

    auto intact = t.check();
    INFO(intact.out << intact.err);
    CHECK(intact.exit_code == 0);
    CHECK(intact.out.find("store store-a (" + t.store + "): 6 sectors, 6 ok, 0 damaged, 0 unregistered files") !=
          std::string::npos);
    // The first check recorded what p_aux holds: the record now allows a cache repair.
    CHECK(t.state(4)["sector"]["comm_c"].is_string());

    fs::remove(t.store + "/sealed/" + id(2));
    fs::resize_file(t.store + "/sealed/" + id(3), 1024);
    fs::remove(t.store + "/cache/" + id(4) + "/t_aux");
    write_text(t.store + "/cache/" + id(5) + "/p_aux", std::string(64, '\x01'));
    fs::resize_file(t.store + "/cache/" + id(6) + "/sc-02-data-tree-r-last.dat", 64);
    // A sector imported after the last check: no roots yet, so a broken
    // cache needs a full rebuild.
    fs::copy_file(t.store + "/sealed/" + id(1), t.store + "/sealed/" + id(7));
    fs::copy(t.store + "/cache/" + id(1), t.store + "/cache/" + id(7));
    t.import_numbers({7});
    fs::remove(t.store + "/cache/" + id(7) + "/p_aux");
    // A file no record names, and one not named like a sector.
    fs::copy_file(t.store + "/sealed/" + id(1), t.store + "/sealed/" + id(99));
    write_text(t.store + "/sealed/notes.txt", "x");

    auto rows = t.rows();
    CHECK(rows["1"] == status("ok", "none"));
    CHECK(rows["2"] == status("sealed-missing", "rebuild"));
    CHECK(rows["3"] == status("sealed-corrupt", "rebuild"));
    CHECK(rows["4"] == status("cache-missing", "repair-cache"));
    CHECK(rows["5"] == status("cache-corrupt", "repair-cache"));
    CHECK(rows["6"] == status("cache-corrupt", "repair-cache"));
    CHECK(rows["7"] == status("cache-missing", "rebuild"));
    CHECK(rows["sealed/" + id(99)] == status("unregistered", "inspect"));
    CHECK(rows["sealed/notes.txt"] == status("unregistered", "inspect"));
    CHECK(rows.size() == 9);

    auto table = t.check();
    CHECK(table.exit_code == 1);
    CHECK(std::regex_search(
        table.out, std::regex(id(3) + " +sealed-corrupt +rebuild +sealed/" + id(3) + ": 1024 bytes, expected 2048\n")));
    CHECK(table.out.find("7 sectors, 1 ok, 6 damaged, 2 unregistered files") != std::string::npos);

    // --rebuild: the damaged are queued with their action, nothing ok is.
    auto queued = t.check({"--rebuild"});
    INFO(queued.out << queued.err);
    CHECK(queued.exit_code == 1); // the unregistered files are left to a person
    dmc::service::rpc::Client client(t.manager->address(), t.manager->token());
    auto queue = client.call("Venus.RebuildQueue", json::array());
    REQUIRE(queue.ok());
    std::set<uint64_t> numbers;
    for (const auto &entry : *queue) numbers.insert(entry["number"].get<uint64_t>());
    CHECK(numbers == std::set<uint64_t>{2, 3, 4, 5, 6, 7});
    CHECK(t.state(1)["queue"].is_null());
    auto again = t.rows({"--rebuild"});
    CHECK(again["2"] == status("sealed-missing", "rebuild"));
    auto again_json = json::parse(t.check({"--rebuild", "--json"}).out);
    for (const auto &row : again_json)
        if (row["status"] != "ok" && row["status"] != "unregistered") CHECK(row["queued"] == "already queued");
}

TEST_CASE("store check: --deep proves sampled nodes and finds a replica that only has the right size", "[store-check]")
{
    StoreCheck t;
    t.import_numbers({1});
    CHECK(t.rows({"--deep"})["1"] == status("ok", "none"));
    // The replica's bytes replaced, its size kept: only the proofs can tell.
    write_text(t.store + "/sealed/" + id(1), std::string(2048, '\0'));
    CHECK(t.rows()["1"] == status("ok", "none"));
    auto deep = t.rows({"--deep"});
    CHECK(deep["1"] == status("sealed-corrupt", "rebuild"));
}

TEST_CASE("store check: bad input is one line and exit 2", "[store-check]")
{
    StoreCheck t;
    t.import_numbers({1});
    auto unknown = t.manager->cli({"util", "sealer", "sectors", "check", "--store", "no-such-store"});
    CHECK(unknown.exit_code == 2);
    CHECK(unknown.err.find("no persist store is named no-such-store") != std::string::npos);
    auto by_path = t.manager->cli({"util", "sealer", "sectors", "check", "--store", t.store});
    CHECK(by_path.exit_code == 0);
    auto bad_miner = t.manager->cli({"util", "sealer", "sectors", "check", "--store", "store-a", "--miner", "x1"});
    CHECK(bad_miner.exit_code == 2);
    auto no_store = t.manager->cli({"util", "sealer", "sectors", "check"});
    CHECK(no_store.exit_code == 2);
}
