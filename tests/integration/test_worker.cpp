// SPDX-License-Identifier: Apache-2.0
//
// damocles-worker against a real manager on loopback, on 2KiB sectors:
// the CommR check before persist (wrong registered comm_r -> sector fails
// with both values, store untouched), hot reload (docs/architecture.md §12.2
// item 12), pause/resume (13), temporary RPC failures (14), persist checks
// (10), CheckSealed on a corrupted replica (9), crash of the worker and of
// the manager, and the listing formats (16).
#include <catch2/catch.hpp>

#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "service/rpc/json_rpc.hpp"

#include "manager_fixture.hpp"
#include "worker_fixture.hpp"

using namespace dmc::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char *kTicket = "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0";
const char *kOtherCommR = "bagboea4b5abcaqbaugeaembi6mqugvhxo6htb4bjf57nxje5xnvandpsahy2rxbb";

std::string parent_cache_dir()
{
    static TempDir dir("parents-worker");
    return dir.path();
}

// A manager with miner 1002 and store "store-a" at <dir>/store.
struct Setup {
    TempDir dir{"worker-it"};
    std::string store = dir / "store";
    std::unique_ptr<ManagerFixture> manager;

    explicit Setup(const std::string &manager_store_path = "")
    {
        fs::create_directories(store);
        manager = std::make_unique<ManagerFixture>(
            "[[Miners]]\nActor = 1002\n\n[[Common.PersistStores]]\nName = \"store-a\"\nPath = \"" +
            (manager_store_path.empty() ? store : manager_store_path) + "\"\n");
    }

    WorkerSpec spec(std::vector<std::string> plans = {"rebuild"}) const
    {
        WorkerSpec s;
        s.plans = std::move(plans);
        s.stores = {{"store-a", store}};
        s.parent_cache = parent_cache_dir();
        return s;
    }

    // Seals sector n (2KiB CC) into the store, imports it (optionally with a
    // different registered comm_r), then deletes its files. Returns comm_r.
    std::string seal_import_lose(uint64_t n, const std::string &registered_comm_r = "")
    {
        auto r = run({damocles_run(), "seal", "--proof", "StackedDrg2KiBV1_1", "--miner", "1002", "--sector",
                      std::to_string(n), "--ticket", kTicket, "--out", store, "--parent-cache", parent_cache_dir(),
                      "--json"});
        REQUIRE(r.exit_code == 0);
        auto j = json::parse(r.out);
        json sector = j["sector"];
        sector["store"] = "store-a";
        if (!registered_comm_r.empty()) sector["comm_r"] = registered_comm_r;
        write_text(dir / "import.json", json{{"sectors", json::array({sector})}}.dump());
        auto imp = manager->cli({"util", "sealer", "sectors", "import", dir / "import.json"});
        REQUIRE(imp.exit_code == 0);
        const std::string id = "s-t01002-" + std::to_string(n);
        fs::copy_file(store + "/sealed/" + id, dir / (id + ".sealed.orig"));
        fs::remove_all(store + "/sealed/" + id);
        fs::remove_all(store + "/cache/" + id);
        return j["comm_r"];
    }

    RunResult rebuild(uint64_t n)
    {
        return manager->cli({"util", "sealer", "sectors", "rebuild", "1002", std::to_string(n)});
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
};

bool is_paused(const json &t) { return t["paused"].get<bool>(); }

} // namespace

TEST_CASE("worker: a wrong registered comm_r fails the sector with both values and persists nothing", "[worker]")
{
    Setup s;
    std::string real = s.seal_import_lose(1, kOtherCommR);
    WorkerFixture w(*s.manager, s.spec(), s.dir);
    w.start();
    REQUIRE(s.rebuild(1).exit_code == 0);
    REQUIRE(w.wait_thread(0, is_paused));
    auto t = w.threads()[0];
    std::string err = t["last_err"];
    INFO(err);
    CHECK(err.rfind("permanent: comm_r_check: comm_r mismatch: rebuilt " + real + ", registered " + kOtherCommR, 0) ==
          0);
    CHECK_FALSE(fs::exists(s.store + "/sealed/s-t01002-1"));
    CHECK_FALSE(fs::exists(s.store + "/cache/s-t01002-1"));
    auto st = s.state(1);
    CHECK(st["abort_reason"].get<std::string>().find("comm_r mismatch") != std::string::npos);
    CHECK(st["need_rebuild"] == true);
    CHECK(st["online"] == false);
    // Registry data kept: the sector can be queued again.
    CHECK(st["sector"]["comm_r"] == kOtherCommR);
    CHECK(s.rebuild(1).exit_code == 0);
}

TEST_CASE("worker: CC rebuild, local data cleaned, listing formats", "[worker]")
{
    Setup s;
    s.seal_import_lose(1);
    WorkerFixture w(*s.manager, s.spec({"rebuild", "rebuild"}), s.dir);
    w.start();
    auto list = w.cli({"list"});
    REQUIRE(list.exit_code == 0);
    CHECK(list.out ==
          "#0: \"" + w.location(0) +
              "\"; plan=rebuild, sector_id=None, paused=false, paused_elapsed=None, "
              "state=Empty, last_err=None\n#1: \"" +
              w.location(1) +
              "\"; plan=rebuild, sector_id=None, paused=false, paused_elapsed=None, state=Empty, last_err=None\n");
    REQUIRE(s.rebuild(1).exit_code == 0);
    REQUIRE(wait_until([&] { return s.finished(1); }, std::chrono::seconds(60)));
    CHECK(slurp(s.store + "/sealed/s-t01002-1") == slurp(s.dir / "s-t01002-1.sealed.orig"));
    CHECK(s.state(1)["sector"]["store"] == "store-a");
    // Local data emptied after finalize (the worker cleans up right after
    // ReportFinalized returns).
    auto cleaned = [&](size_t i) {
        std::error_code ec;
        return fs::is_directory(w.location(i) + "/data", ec) && fs::is_empty(w.location(i) + "/data", ec);
    };
    CHECK(wait_until([&] { return cleaned(0) && cleaned(1); }, std::chrono::seconds(20)));
    REQUIRE(w.wait_thread(0, [](const json &t) { return t["state"] == "Empty"; }));

    // Manager side: util worker list / info.
    REQUIRE(wait_until(
        [&] {
            return s.manager->cli({"util", "worker", "list"}).out.find("worker") != std::string::npos;
        },
        std::chrono::seconds(40)));
    auto wl = s.manager->cli({"util", "worker", "list"});
    CHECK(wl.out.rfind("Name    Dest", 0) == 0);
    CHECK(wl.out.find("LastPing(with ! if expired)") != std::string::npos);
    // The worker's admin API needs its token.
    auto refused = s.manager->cli({"util", "worker", "info", "worker"});
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("unauthorized") != std::string::npos);
    auto info = s.manager->cli({"util", "worker", "info", "worker", "--worker-token-file", w.token_file()});
    REQUIRE(info.exit_code == 0);
    CHECK(info.out.rfind("Index  Loc", 0) == 0);
    CHECK(info.out.find("rebuild  NULL      false   NULL           Empty  NULL") != std::string::npos);
    auto by_addr = s.manager->cli({"util", "worker", "info", w.address(), "--worker-token-file", w.token_file()});
    CHECK(by_addr.out == info.out);
}

TEST_CASE("worker: hot reload switches an idle thread's plan within seconds; broken file pauses it", "[worker]")
{
    Setup s;
    WorkerFixture w(*s.manager, s.spec({"sealer"}), s.dir);
    w.start();
    REQUIRE(w.wait_thread(0, is_paused));
    CHECK(w.threads()[0]["last_err"].get<std::string>().find("plan sealer is not supported") != std::string::npos);
    const std::string hot = w.location(0) + "/config.toml";
    write_text(hot, "plan = \"rebuild\"\n");
    CHECK(w.wait_thread(
        0, [](const json &t) { return t["plan"] == "rebuild" && !t["paused"].get<bool>(); }, 3));
    fs::remove(hot);
    CHECK(w.wait_thread(
        0, [](const json &t) { return t["plan"] == "sealer"; }, 5));
    write_text(hot, "plan = \"rebuild\"\nsealing.max_retries = \"x\n");
    REQUIRE(w.wait_thread(0, is_paused, 5));
    CHECK(w.threads()[0]["last_err"].get<std::string>().rfind("critical: reload sealing thread hot config: ", 0) == 0);
    write_text(hot, "plan = \"rebuild\"\n");
    CHECK(w.wait_thread(
        0, [](const json &t) { return t["plan"] == "rebuild" && !t["paused"].get<bool>(); }, 5));
}

TEST_CASE("worker: pause between steps, resume rules, resume --state Aborted keeps registry data", "[worker]")
{
    Setup s;
    s.seal_import_lose(1);
    WorkerFixture w(*s.manager, s.spec({"rebuild", "rebuild"}), s.dir);
    w.start({{"DAMOCLES_FAILPOINTS", "before:pc1=sleep:3000"}});
    REQUIRE(s.rebuild(1).exit_code == 0);
    size_t busy = 0;
    REQUIRE(wait_until(
        [&] {
            auto t = w.threads();
            for (size_t i = 0; i < 2; ++i)
                if (t[i]["state"] == "TreeDBuilt") {
                    busy = i;
                    return true;
                }
            return false;
        },
        std::chrono::seconds(30)));
    const std::string idx = std::to_string(busy), other = std::to_string(1 - busy);
    // PC1 is running: the pause is queued, a second one is refused.
    CHECK(w.cli({"pause", "--index", idx}).out == "#" + idx + " worker pause done=true\n");
    CHECK(w.cli({"pause", "--index", idx}).out == "#" + idx + " worker pause done=false\n");
    // resume on a thread that is not paused: false.
    CHECK(w.cli({"resume", "--index", other}).out == "#" + other + " worker resume done=false\n");
    // The pause takes effect after PC1 returns.
    REQUIRE(w.wait_thread(busy, is_paused, 30));
    CHECK(w.threads()[busy]["state"] == "PC1Done");
    // Unknown state: usage error.
    auto bogus = w.cli({"resume", "--index", idx, "--state", "Bogus"});
    CHECK(bogus.exit_code == 2);
    CHECK(bogus.err.find("invalid state Bogus") != std::string::npos);
    // The current state: critical, stays paused.
    CHECK(w.cli({"resume", "--index", idx, "--state", "PC1Done"}).out == "#" + idx + " worker resume done=true\n");
    REQUIRE(w.wait_thread(busy, [](const json &t) {
        return t["paused"].get<bool>() && t["last_err"].is_string() &&
               t["last_err"].get<std::string>() == "critical: state unchanged, may enter an infinite loop";
    }));
    // Aborted: the task is dropped, the registry keeps the sector.
    CHECK(w.cli({"resume", "--index", idx, "--state", "Aborted"}).exit_code == 0);
    REQUIRE(w.wait_thread(busy, [](const json &t) { return t["state"] == "Empty" && !t["paused"].get<bool>(); }));
    auto st = s.state(1);
    CHECK(st["abort_reason"].get<std::string>().find("aborted by operator") != std::string::npos);
    CHECK(st["online"] == false);
    CHECK(st["need_rebuild"] == true);
    CHECK(st["sector"]["ticket"] == kTicket);
}

TEST_CASE("worker: killed mid-rebuild and restarted, it finishes the sector", "[worker]")
{
    Setup s;
    s.seal_import_lose(1);
    WorkerFixture w(*s.manager, s.spec(), s.dir);
    w.start({{"DAMOCLES_FAILPOINTS", "after:pc1=kill"}});
    REQUIRE(s.rebuild(1).exit_code == 0);
    REQUIRE(wait_until([&] { return !w.running(); }, std::chrono::seconds(60)));
    w.start();
    REQUIRE(wait_until([&] { return s.finished(1); }, std::chrono::seconds(60)));
    CHECK(w.log().find("resuming after pc1 (recorded done)") != std::string::npos);
    CHECK(slurp(s.store + "/sealed/s-t01002-1") == slurp(s.dir / "s-t01002-1.sealed.orig"));
}

TEST_CASE("manager: killed and restarted, no queued sector is lost", "[worker]")
{
    Setup s;
    s.seal_import_lose(1);
    s.seal_import_lose(2);
    REQUIRE(s.rebuild(1).exit_code == 0);
    REQUIRE(s.rebuild(2).exit_code == 0);
    s.manager->kill9();
    s.manager->restart();
    auto list = s.manager->cli({"util", "sealer", "sectors", "list", "--rebuild", "--sealing=false"});
    CHECK(list.out.find("Count: 2") != std::string::npos);
    WorkerFixture w(*s.manager, s.spec({"rebuild", "rebuild"}), s.dir);
    w.start();
    REQUIRE(wait_until([&] { return s.finished(1) && s.finished(2); }, std::chrono::seconds(90)));
}

TEST_CASE("worker: temporary RPC failures are retried, then the thread pauses (permanent)", "[worker]")
{
    Setup s;
    s.seal_import_lose(1);
    WorkerSpec spec = s.spec();
    spec.sealing =
        "recover_interval = \"1s\"\nseal_interval = \"1s\"\nrpc_polling_interval = \"1s\"\nmax_retries = 2\n";
    WorkerFixture w(*s.manager, spec, s.dir);
    w.start({{"DAMOCLES_FAILPOINTS", "before:persist=sleep:3000"}});
    REQUIRE(s.rebuild(1).exit_code == 0);
    REQUIRE(w.wait_thread(
        0, [](const json &t) { return t["state"] == "SealedChecked"; }, 30));
    s.manager->stop(); // persist's RPCs now fail
    REQUIRE(w.wait_thread(0, is_paused, 60));
    std::string err = w.threads()[0]["last_err"];
    CHECK(err.rfind("permanent: ", 0) == 0);
    CHECK(err.find("store_reserve_space") != std::string::npos);
    std::string log = w.log();
    size_t retries = 0;
    for (size_t p = log.find("temp error occurred"); p != std::string::npos; p = log.find("temp error occurred", p + 1))
        ++retries;
    CHECK(retries == 2);
    // The manager is back; resume finishes the sector from where it stopped.
    s.manager->restart();
    dmc::service::rpc::Client c(w.address(), w.token(), 10);
    auto r = c.call("VenusWorker.WorkerResume", json::array({0}));
    REQUIRE(r.ok());
    CHECK(r->get<bool>());
}

TEST_CASE("worker: files the manager cannot see are 'persisted but unavailable' (permanent)", "[worker]")
{
    TempDir other("elsewhere");
    Setup s(other.path()); // the manager looks for store-a somewhere else
    s.seal_import_lose(1);
    WorkerFixture w(*s.manager, s.spec(), s.dir);
    w.start();
    REQUIRE(s.rebuild(1).exit_code == 0);
    REQUIRE(w.wait_thread(0, is_paused, 60));
    std::string err = w.threads()[0]["last_err"];
    CHECK(err.find("sector files are persisted but unavailable for sealer: missing " + other.path() +
                   "/sealed/s-t01002-1") != std::string::npos);
}

TEST_CASE("worker: CheckSealed fails when the replica is corrupted between PC2 and C1", "[worker]")
{
    Setup s;
    s.seal_import_lose(1);
    WorkerFixture w(*s.manager, s.spec(), s.dir);
    w.start({{"DAMOCLES_FAILPOINTS", "before:check_sealed=corrupt-replica"}});
    REQUIRE(s.rebuild(1).exit_code == 0);
    REQUIRE(w.wait_thread(0, is_paused, 60));
    std::string err = w.threads()[0]["last_err"];
    INFO(err);
    CHECK(err.find("check_sealed: CheckSealed failed") != std::string::npos);
    CHECK_FALSE(fs::exists(s.store + "/sealed/s-t01002-1"));
}
