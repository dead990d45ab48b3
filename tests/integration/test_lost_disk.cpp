// SPDX-License-Identifier: Apache-2.0
//
// From a lost disk to queued rebuilds (docs/architecture.md §14), end to
// end with the real executables: three 2KiB sectors sealed into a store (CC,
// a deal, a SnapDeals update), their records imported from each system that
// knows them — lotus-miner with the chain checking every record, curio's
// database, damocles' export-json, the chain alone — each coming to the same
// records, then a sealed file deleted, a p_aux corrupted and an update
// removed; `sectors check --rebuild` queues exactly those, the worker
// rebuilds or repairs each, and `sectors check` says all ok, with every file
// byte-identical to the one lost.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "lost_disk_sources.hpp"
#include "manager_fixture.hpp"
#include "ops_support.hpp"
#include "postgres_fixture.hpp"
#include "service/rpc/json_rpc.hpp"
#include "worker_fixture.hpp"

using namespace dmc::test;
using namespace dmc::test::lost_disk;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kHead = 3000;

std::string id(uint64_t number) { return "s-t01002-" + std::to_string(number); }

struct LostDisk {
    TempDir dir{"lost-disk"};
    std::string store = dir / "store", pieces = dir / "pieces";
    std::unique_ptr<ManagerFixture> manager;
    std::vector<SealedSector> sectors;
    LotusStub lotus{[] {
        LotusStubOptions options;
        options.miner = kMiner;
        options.head_height = kHead;
        return options;
    }()};

    LostDisk()
    {
        fs::create_directories(store);
        fs::create_directories(pieces);
        manager = std::make_unique<ManagerFixture>("[[Miners]]\nActor = 1002\n\n[Common]\nPieceStores = [\"" + pieces +
                                                   "\"]\n\n[[Common.PersistStores]]\nName = \"store-a\"\nPath = \"" +
                                                   store + "\"\n");
        sectors.push_back(seal(1, "", false, 0));
        sectors.push_back(seal(2, "deal.bin", false, 7001));
        sectors.push_back(seal(3, "update.bin", true, 7002));
        for (const auto &sector : sectors) {
            lotus.add_sector(stub_sector(sector));
            if (sector.deal_id) lotus.add_deal(stub_deal(sector));
        }
        REQUIRE(lotus.start().ok());
    }

    // Seals sector `number` into the store; a data piece (1016 bytes: half
    // the sector) goes to the manager's piece store too.
    SealedSector seal(uint64_t number, const std::string &piece, bool snap, uint64_t deal_id)
    {
        std::vector<std::string> argv = {damocles_run(),   "seal",
                                         "--proof",        "StackedDrg2KiBV1_1",
                                         "--miner",        "1002",
                                         "--sector",       std::to_string(number),
                                         "--ticket",       ops::kTicket,
                                         "--out",          store,
                                         "--parent-cache", ops::parent_cache_dir(),
                                         "--json"};
        if (!piece.empty()) {
            std::string data;
            for (int i = 0; i < 1016; ++i) data.push_back(static_cast<char>((i * 7 + number) & 0xff));
            write_text(dir / piece, data);
            argv.insert(argv.end(), {"--piece", dir / piece});
        }
        if (snap) argv.push_back("--snap");
        auto sealed = run(argv);
        INFO(sealed.err);
        REQUIRE(sealed.exit_code == 0);
        SealedSector sector{number, json::parse(sealed.out), deal_id, snap, int64_t(1000 + 100 * number)};
        const json &listed = snap ? sector.seal["sector"]["snap"]["pieces"] : sector.seal["sector"]["pieces"];
        for (const auto &p : listed) fs::copy_file(dir / piece, pieces + "/" + p["cid"].get<std::string>());
        return sector;
    }

    RunResult cli(const std::vector<std::string> &args) const
    {
        auto r = manager->cli(args);
        UNSCOPED_INFO("damocles-manager " << (args.size() > 3 ? args[3] : "") << ": " << r.out << r.err);
        return r;
    }

    RunResult import(std::vector<std::string> args) const
    {
        args.insert(args.begin(), {"util", "sealer", "sectors", "import"});
        return cli(args);
    }

    json check_rows(const std::vector<std::string> &extra = {}) const
    {
        std::vector<std::string> args = {"util", "sealer", "sectors", "check", "--store", "store-a", "--json"};
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = cli(args);
        return json::parse(r.out);
    }

    json state(uint64_t number) const
    {
        dmc::service::rpc::Client client(manager->address(), manager->token());
        auto r = client.call("Venus.FindSectorInAllStates", json::array({1002, number}));
        REQUIRE(r.ok());
        return *r;
    }
};

std::string last_line(const std::string &out)
{
    auto end = out.find_last_not_of('\n');
    auto start = out.rfind('\n', end);
    return out.substr(start == std::string::npos ? 0 : start + 1,
                      end - (start == std::string::npos ? 0 : start + 1) + 1);
}

// status/action by sector number.
std::map<uint64_t, std::pair<std::string, std::string>> by_sector(const json &rows)
{
    std::map<uint64_t, std::pair<std::string, std::string>> out;
    for (const auto &row : rows) out[row["number"].get<uint64_t>()] = {row["status"], row["action"]};
    return out;
}

} // namespace

TEST_CASE("lost disk: import from every source, check, rebuild what is damaged, check again", "[lost-disk]")
{
    LostDisk t;
    const std::string node = t.lotus.api_info();

    // lotus-miner, every record compared with the chain first.
    auto from_miner = t.import({"--from-lotus-miner", node, "--lotus", node, "--store", "store-a"});
    REQUIRE(from_miner.exit_code == 0);
    CHECK(last_line(from_miner.out) == "imported 3, unchanged 0, incomplete 0");
    CHECK(t.cli({"util", "sealer", "sectors", "state", "1002", "3"}).out.find("Chain: checked at 3000") !=
          std::string::npos);

    // curio's database: the same records (data pieces only there).
    PostgresServer *postgres = PostgresServer::shared();
    if (postgres) {
        const std::string url = postgres->create_database("curio");
        const std::string database = url.substr(url.rfind('/') + 1);
        REQUIRE(postgres->psql(database, slurp(std::string(DMC_SOURCE_ROOT) + "/tests/fixtures/curio/schema.sql"))
                    .exit_code == 0);
        REQUIRE(postgres->psql(database, curio_rows(t.sectors, "store-a")).exit_code == 0);
        auto from_curio = t.import({"--from-curio", url});
        CHECK(from_curio.exit_code == 0);
        CHECK(last_line(from_curio.out) == "imported 0, unchanged 3, incomplete 0");
    } else if (PostgresServer::must_run()) {
        FAIL("PostgreSQL is required here: " << PostgresServer::unavailable_reason());
    } else {
        WARN("curio step skipped (PostgreSQL unavailable): " << PostgresServer::unavailable_reason());
    }

    // damocles' export-json output.
    write_text(t.dir / "damocles.jsonl", damocles_export(t.sectors));
    auto from_damocles = t.import({"--from-damocles", t.dir / "damocles.jsonl", "--store", "store-a"});
    CHECK(from_damocles.exit_code == 0);
    CHECK(last_line(from_damocles.out) == "imported 0, unchanged 3, incomplete 0");

    // The chain alone: the SnapDeals update's data is not in chain state.
    auto from_chain =
        t.import({"--from-chain", "--lotus", node, "--miner", "t01002", "--sectors", "1-3", "--store", "store-a"});
    CHECK(from_chain.exit_code == 0);
    CHECK(from_chain.out.find("s-t01002-3: incomplete: upgraded by SnapDeals") != std::string::npos);
    CHECK(last_line(from_chain.out) == "imported 0, unchanged 2, incomplete 1");

    // Every sector in place: all ok (and comm_c/comm_r_last learnt from p_aux).
    auto intact = by_sector(t.check_rows());
    REQUIRE(intact.size() == 3);
    for (const auto &[number, row] : intact) CHECK(row == std::make_pair(std::string("ok"), std::string("none")));
    CHECK(t.state(2)["sector"].contains("comm_c"));

    // The disk goes bad.
    const std::string sealed_1 = slurp(t.store + "/sealed/" + id(1));
    const std::string p_aux_2 = slurp(t.store + "/cache/" + id(2) + "/p_aux");
    const std::string update_3 = slurp(t.store + "/update/" + id(3));
    fs::remove(t.store + "/sealed/" + id(1));
    write_text(t.store + "/cache/" + id(2) + "/p_aux", std::string(64, '\xff'));
    fs::remove(t.store + "/update/" + id(3));

    auto damaged = by_sector(t.check_rows());
    CHECK(damaged[1] == std::make_pair(std::string("sealed-missing"), std::string("rebuild")));
    CHECK(damaged[2] == std::make_pair(std::string("cache-corrupt"), std::string("repair-cache")));
    CHECK(damaged[3] == std::make_pair(std::string("update-missing"), std::string("rebuild")));

    auto queued =
        t.cli({"util", "sealer", "sectors", "check", "--store", "store-a", "--rebuild", "--pieces-available"});
    CHECK(queued.exit_code == 0);
    CHECK(last_line(queued.out).find("3 damaged, 0 unregistered files, 3 queued") != std::string::npos);

    WorkerSpec spec;
    spec.plans = {"rebuild", "rebuild"};
    spec.stores = {{"store-a", t.store}};
    spec.parent_cache = ops::parent_cache_dir();
    WorkerFixture worker(*t.manager, spec, t.dir);
    worker.start();
    const bool done = wait_until(
        [&] {
            for (uint64_t number = 1; number <= 3; ++number)
                if (t.state(number)["need_rebuild"].get<bool>()) return false;
            return true;
        },
        std::chrono::seconds(120));
    INFO(worker.log());
    REQUIRE(done);

    auto healed = t.cli({"util", "sealer", "sectors", "check", "--store", "store-a"});
    CHECK(healed.exit_code == 0);
    CHECK(last_line(healed.out) == "store store-a (" + t.store + "): 3 sectors, 3 ok, 0 damaged, 0 unregistered files");
    CHECK(slurp(t.store + "/sealed/" + id(1)) == sealed_1);
    CHECK(slurp(t.store + "/cache/" + id(2) + "/p_aux") == p_aux_2);
    CHECK(slurp(t.store + "/update/" + id(3)) == update_3);
    CHECK(worker.log().find("cache-only repair") != std::string::npos);
}

TEST_CASE("lost disk: a record whose CommR differs from the chain is refused, nothing changed", "[lost-disk]")
{
    LostDisk t;
    const std::string node = t.lotus.api_info();
    json record = t.sectors[0].seal["sector"];
    record["store"] = "store-a";
    write_text(t.dir / "good.json", json{{"sectors", json::array({record})}}.dump());
    REQUIRE(t.import({t.dir / "good.json"}).exit_code == 0);
    CHECK(t.cli({"util", "sealer", "sectors", "state", "1002", "1"}).out.find("Chain: not checked") !=
          std::string::npos);

    const std::string chain_comm_r = record["comm_r"];
    // Sector 2's CommR: a real CommR, but not sector 1's.
    record["comm_r"] = t.sectors[1].seal["comm_r"];
    write_text(t.dir / "wrong.json", json{{"sectors", json::array({record})}}.dump());
    auto refused = t.import({t.dir / "wrong.json", "--lotus", node, "--replace"});
    CHECK(refused.exit_code == 1);
    CHECK(refused.out.find("s-t01002-1: refused: comm_r " + record["comm_r"].get<std::string>() +
                           " differs from the chain's SealedCID " + chain_comm_r + " at height 3000") !=
          std::string::npos);
    CHECK(last_line(refused.out) == "imported 0, unchanged 0, incomplete 0, refused 1");
    CHECK(t.state(1)["sector"]["comm_r"] == chain_comm_r);

    // The registered record checks out: `sectors state` says when.
    auto confirmed = t.import({t.dir / "good.json", "--lotus", node});
    CHECK(confirmed.exit_code == 0);
    CHECK(t.cli({"util", "sealer", "sectors", "state", "1002", "1"}).out.find("Chain: checked at 3000") !=
          std::string::npos);

    // Registered without --lotus, the wrong record is caught by a check with
    // --lotus: reported for a person, never queued for a rebuild that could
    // only fail its CommR check.
    REQUIRE(t.import({t.dir / "wrong.json", "--replace"}).exit_code == 0);
    auto checked = t.cli({"util", "sealer", "sectors", "check", "--store", "store-a", "--lotus", node, "--miner",
                          "t01002", "--rebuild", "--json"});
    CHECK(checked.exit_code == 1);
    bool reported = false;
    for (const auto &row : json::parse(checked.out))
        if (row["number"] == 1) {
            reported = true;
            CHECK(row["status"] == "chain-mismatch");
            CHECK(row["action"] == "inspect");
            CHECK(row["detail"].get<std::string>().find("differs from the chain's SealedCID " + chain_comm_r) !=
                  std::string::npos);
            CHECK_FALSE(row.contains("queued"));
        }
    CHECK(reported);
    CHECK(t.state(1)["queue"].is_null());

    // A node that refuses the token: one line, exit 1 or 2, nothing imported.
    auto bad_token =
        t.import({"--from-chain", "--lotus", "wrong:/ip4/127.0.0.1/tcp/" + std::to_string(t.lotus.port()) + "/http",
                  "--miner", "t01002", "--sectors", "2"});
    CHECK((bad_token.exit_code == 1 || bad_token.exit_code == 2));
    CHECK(bad_token.err.find("401") != std::string::npos);
    CHECK(std::count(bad_token.err.begin(), bad_token.err.end(), '\n') == 1);
    dmc::service::rpc::Client client(t.manager->address(), t.manager->token());
    auto missing = client.call("Venus.FindSectorInAllStates", json::array({1002, 2}));
    CHECK_FALSE(missing.ok());
}
