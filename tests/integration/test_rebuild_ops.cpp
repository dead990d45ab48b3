// SPDX-License-Identifier: Apache-2.0
//
// What an operator who lost a disk needs beyond damocles: piece sources tried
// in order with every piece checked against its CID, batch rebuilds (--store,
// --range) with one summary line per sector, cancel (queued and running),
// progress in `sectors list`, and the cache-only repair from a surviving
// sealed file (with its fallback to a full rebuild).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "manager_fixture.hpp"
#include "service/rpc/json_rpc.hpp"
#include "worker_fixture.hpp"

using namespace dmc::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char *kTicket = "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0";

std::string parent_cache_dir()
{
    static TempDir dir("parents-ops");
    return dir.path();
}

struct Ops {
    TempDir dir{"rebuild-ops"};
    std::string store = dir / "store", pieces = dir / "manager-pieces", local = dir / "local-pieces";
    std::unique_ptr<ManagerFixture> manager;

    Ops()
    {
        for (const auto &d : {store, pieces, local}) fs::create_directories(d);
        manager = std::make_unique<ManagerFixture>("[[Miners]]\nActor = 1002\n\n[Common]\nPieceStores = [\"" + pieces +
                                                   "\"]\n\n[[Common.PersistStores]]\nName = \"store-a\"\nPath = \"" +
                                                   store + "\"\n");
    }

    WorkerSpec spec(size_t threads = 1) const
    {
        WorkerSpec s;
        s.plans.assign(threads, "rebuild");
        s.stores = {{"store-a", store}};
        s.parent_cache = parent_cache_dir();
        s.extra_toml = "";
        return s;
    }

    // Seals sector n (2KiB; with `piece` as data if given) into the store and
    // returns the seal JSON; `edit` may change the imported record.
    json seal_import(uint64_t n, const std::string &piece = "", const std::function<void(json &)> &edit = {})
    {
        std::vector<std::string> argv = {damocles_run(), "seal",     "--proof",         "StackedDrg2KiBV1_1", "--miner",
                                         "1002",         "--sector", std::to_string(n), "--ticket",           kTicket,
                                         "--out",        store,      "--parent-cache",  parent_cache_dir(),   "--json"};
        if (!piece.empty()) argv.insert(argv.end(), {"--piece", piece});
        auto r = run(argv);
        REQUIRE(r.exit_code == 0);
        json j = json::parse(r.out);
        json sector = j["sector"];
        sector["store"] = "store-a";
        if (edit) edit(sector);
        write_text(dir / "import.json", json{{"sectors", json::array({sector})}}.dump());
        auto imp = manager->cli({"util", "sealer", "sectors", "import", dir / "import.json"});
        REQUIRE(imp.exit_code == 0);
        return j;
    }

    std::string id(uint64_t n) const { return "s-t01002-" + std::to_string(n); }
    void lose(uint64_t n, bool sealed = true, bool cache = true)
    {
        if (sealed) fs::remove_all(store + "/sealed/" + id(n));
        if (cache) fs::remove_all(store + "/cache/" + id(n));
    }
    json state(uint64_t n) const
    {
        dmc::service::rpc::Client c(manager->address(), manager->token());
        auto r = c.call("Venus.FindSectorInAllStates", json::array({1002, n}));
        REQUIRE(r.ok());
        return *r;
    }
    bool finished(uint64_t n) const
    {
        auto s = state(n);
        return !s["need_rebuild"].get<bool>() && s["finalized"].get<bool>() && !s["online"].get<bool>();
    }
    std::map<std::string, std::string> snapshot(uint64_t n) const
    {
        std::map<std::string, std::string> files;
        for (const auto *d : {"sealed", "cache"}) {
            fs::path p = fs::path(store) / d / id(n);
            if (fs::is_regular_file(p)) files[p.string()] = slurp(p);
            if (fs::is_directory(p))
                for (const auto &f : fs::directory_iterator(p)) files[f.path().string()] = slurp(f.path());
        }
        return files;
    }
};

} // namespace

TEST_CASE("rebuild ops: cache-only repair from the surviving sealed file, verified", "[ops]")
{
    Ops o;
    o.seal_import(1);
    auto original = o.snapshot(1);
    o.lose(1, /*sealed=*/false, /*cache=*/true);
    WorkerFixture w(*o.manager, o.spec(), o.dir);
    w.start();
    auto r = o.manager->cli({"util", "sealer", "sectors", "repair-cache", "1002", "1"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(wait_until([&] { return o.finished(1); }, std::chrono::seconds(60)));
    CHECK(o.snapshot(1) == original);
    std::string log = w.log();
    CHECK(log.find("cache-only repair") != std::string::npos);
    CHECK(log.find("PC1 layer") == std::string::npos); // no PC1, no PC2 trees but tree-r-last
    auto v = run({damocles_run(), "util", "verify", "--proof", "StackedDrg2KiBV1_1", "--miner", "1002", "--sector", "1",
                  "--ticket", kTicket, "--comm-r", "bagboea4b5abcbnym7z3pgc64fk5wwsk3nsmz62jamgaa3pekzelmm3fv5q6g6zji",
                  "--sealed", o.store + "/sealed/s-t01002-1", "--cache", o.store + "/cache/s-t01002-1"});
    CHECK(v.exit_code == 0);
}

TEST_CASE("rebuild ops: without registered comm_c the repair is refused and a rebuild is full", "[ops]")
{
    Ops o;
    o.seal_import(1, "", [](json &s) {
        s.erase("comm_c");
        s.erase("comm_r_last");
    });
    o.lose(1, false, true);
    auto refused = o.manager->cli({"util", "sealer", "sectors", "repair-cache", "1002", "1"});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("repair cache failed: no comm_c/comm_r_last registered for s-t01002-1") == 0);
    WorkerFixture w(*o.manager, o.spec(), o.dir);
    w.start();
    REQUIRE(o.manager->cli({"util", "sealer", "sectors", "rebuild", "1002", "1"}).exit_code == 0);
    REQUIRE(wait_until([&] { return o.finished(1); }, std::chrono::seconds(60)));
    CHECK(w.log().find("no comm_c/comm_r_last is registered: falling back to a full rebuild") != std::string::npos);
}

TEST_CASE("rebuild ops: a damaged surviving sealed file falls back to a full rebuild", "[ops]")
{
    Ops o;
    o.seal_import(1);
    auto original = o.snapshot(1);
    o.lose(1, false, true);
    {
        std::fstream f(o.store + "/sealed/s-t01002-1", std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(333);
        f.put('\x42');
    }
    WorkerFixture w(*o.manager, o.spec(), o.dir);
    w.start();
    REQUIRE(o.manager->cli({"util", "sealer", "sectors", "rebuild", "1002", "1"}).exit_code == 0);
    REQUIRE(wait_until([&] { return o.finished(1); }, std::chrono::seconds(60)));
    CHECK(w.log().find("cache-only repair failed") != std::string::npos);
    CHECK(o.snapshot(1) == original);
}

TEST_CASE("rebuild ops: pieces come from the first source whose CommP matches; none -> the CID and sources named",
          "[ops]")
{
    Ops o;
    std::string data(2032, '\0');
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 13 + 1);
    write_text(o.dir / "piece.bin", data);
    json sealed = o.seal_import(1, o.dir / "piece.bin", [](json &s) { s["pieces"][0]["source"] = nullptr; });
    const std::string cid = sealed["sector"]["pieces"][0]["cid"];
    // Local dir: a corrupted copy; the manager's piece store: the right one.
    write_text(o.local + "/" + cid, std::string(data).replace(5, 1, "X"));
    write_text(o.pieces + "/" + cid, data);
    o.lose(1);
    WorkerSpec spec = o.spec();
    spec.extra_toml = "";
    WorkerFixture w(*o.manager, spec, o.dir);
    // local_pieces_dirs belongs to [worker]: rewrite the config with it.
    std::string cfg = slurp(w.config_path());
    cfg.replace(cfg.find("[worker]\n"), 9, "[worker]\nlocal_pieces_dirs = [\"" + o.local + "\"]\n");
    write_text(w.config_path(), cfg);
    w.start();
    REQUIRE(o.manager->cli({"util", "sealer", "sectors", "rebuild", "1002", "1"}).exit_code == 0);
    REQUIRE(wait_until([&] { return o.finished(1); }, std::chrono::seconds(60)));

    // Every source wrong or absent: the sector fails naming the CID and each source.
    fs::remove(o.pieces + "/" + cid);
    json sector = sealed["sector"];
    sector["number"] = 2;
    sector["store"] = "store-a";
    sector["pieces"][0]["source"] = "http://127.0.0.1:1/piece";
    write_text(o.dir / "import2.json", json{{"sectors", json::array({sector})}}.dump());
    REQUIRE(o.manager->cli({"util", "sealer", "sectors", "import", o.dir / "import2.json"}).exit_code == 0);
    REQUIRE(o.manager->cli({"util", "sealer", "sectors", "rebuild", "1002", "2"}).exit_code == 0);
    REQUIRE(w.wait_thread(
        0, [](const json &t) { return t["paused"].get<bool>(); }, 60));
    std::string err = w.threads()[0]["last_err"];
    INFO(err);
    CHECK(err.find("get piece " + cid) != std::string::npos);
    CHECK(err.find("local piece dir " + o.local + "/" + cid + ": CommP is") != std::string::npos);
    CHECK(err.find("/piecestore/" + cid + ": HTTP 404") != std::string::npos);
    CHECK(err.find("http://127.0.0.1:1/piece: unreachable") != std::string::npos);
}

TEST_CASE("rebuild ops: a lost store in one batch, --range, already queued, progress", "[ops]")
{
    Ops o;
    for (uint64_t n = 1; n <= 3; ++n) o.seal_import(n);
    for (uint64_t n = 1; n <= 3; ++n) o.lose(n);
    auto batch = o.manager->cli({"util", "sealer", "sectors", "rebuild", "--store", "store-a", "--priority", "5"});
    INFO(batch.err);
    CHECK(batch.exit_code == 0);
    CHECK(batch.out == "s-t01002-1: queued\ns-t01002-2: queued\ns-t01002-3: queued\n");
    auto again = o.manager->cli({"util", "sealer", "sectors", "rebuild", "--range", "2-4", "1002"});
    CHECK(again.exit_code == 1);
    CHECK(again.out == "s-t01002-2: already queued\ns-t01002-3: already queued\n"
                       "s-t01002-4: refused: no available sector info\n");
    WorkerFixture w(*o.manager, o.spec(2), o.dir);
    w.start({{"DAMOCLES_FAILPOINTS", "before:tree_c=sleep:2500"}});
    // While the rebuilds run, the listing shows percent, the running stage,
    // the rate and the ETA.
    std::string listing;
    REQUIRE(wait_until(
        [&] {
            listing = o.manager->cli({"util", "sealer", "sectors", "list", "--rebuild", "--sealing=false"}).out;
            return listing.find("\tProgress: ") != std::string::npos &&
                   listing.find(" MiB/s, ETA ") != std::string::npos;
        },
        std::chrono::seconds(30)));
    INFO(listing);
    CHECK(std::regex_search(listing, std::regex("\tProgress: [0-9.]+%, [a-z_0-9]+, [0-9.]+ MiB/s, ETA ")));
    REQUIRE(wait_until([&] { return o.finished(1) && o.finished(2) && o.finished(3); }, std::chrono::seconds(120)));
}

TEST_CASE("rebuild ops: cancel a queued and a running rebuild, registry data kept", "[ops]")
{
    Ops o;
    o.seal_import(1);
    o.seal_import(2);
    o.lose(1);
    o.lose(2);
    REQUIRE(o.manager->cli({"util", "sealer", "sectors", "rebuild", "1002", "1"}).exit_code == 0);
    auto queued = o.manager->cli({"util", "sealer", "sectors", "rebuild-cancel", "1002", "1"});
    CHECK(queued.out == "s-t01002-1: cancelled (removed from the queue)\n");
    CHECK(o.state(1)["online"] == false);

    WorkerFixture w(*o.manager, o.spec(), o.dir);
    w.start({{"DAMOCLES_FAILPOINTS", "before:pc1=sleep:4000"}});
    REQUIRE(o.manager->cli({"util", "sealer", "sectors", "rebuild", "1002", "2"}).exit_code == 0);
    REQUIRE(w.wait_thread(
        0, [](const json &t) { return t["state"] == "TreeDBuilt"; }, 30));
    auto running = o.manager->cli({"util", "sealer", "sectors", "rebuild-cancel", "1002", "2"});
    CHECK(running.out == "s-t01002-2: cancel requested (the worker stops at the next step)\n");
    REQUIRE(w.wait_thread(
        0, [](const json &t) { return t["state"] == "Empty"; }, 30));
    auto st = o.state(2);
    CHECK(st["online"] == false);
    CHECK(st["abort_reason"] == "rebuild cancelled by operator");
    CHECK(st["sector"]["ticket"] == kTicket);
    CHECK(fs::is_empty(w.location(0) + "/data"));
    CHECK_FALSE(fs::exists(o.store + "/sealed/s-t01002-2"));
    // Nothing lost: it can be queued again and finishes.
    w.stop();
    w.start();
    REQUIRE(o.manager->cli({"util", "sealer", "sectors", "rebuild", "1002", "2"}).exit_code == 0);
    REQUIRE(wait_until([&] { return o.finished(2); }, std::chrono::seconds(60)));
}
