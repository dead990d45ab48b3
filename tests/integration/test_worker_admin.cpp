// SPDX-License-Identifier: Apache-2.0
//
// The worker admin API (docs/architecture.md §8.3, §11.3): it needs the
// worker's bearer token (401 without it or with another one), created 0600
// next to the config on first start and read through the config by
// `damocles-worker worker -c`; and a forced `resume --state` never lets a
// sector skip the checks before persist (§6.4, §9).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sys/stat.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "manager_fixture.hpp"
#include "ops_support.hpp"
#include "worker_fixture.hpp"

using namespace dmc::test;
using namespace dmc::test::ops;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Farm {
    TempDir dir{"worker-admin"};
    std::string store = dir / "store";
    std::unique_ptr<ManagerFixture> manager;
    Farm()
    {
        fs::create_directories(store);
        manager = std::make_unique<ManagerFixture>(
            "[[Miners]]\nActor = 1002\n\n[[Common.PersistStores]]\nName = \"store-a\"\nPath = \"" + store + "\"\n");
    }
    WorkerSpec spec() const
    {
        WorkerSpec s;
        s.stores = {{"store-a", store}};
        s.parent_cache = parent_cache_dir();
        return s;
    }
};

int post_status(const std::string &host_port, const std::string &authorization)
{
    auto hp = dmc::service::rpc::parse_host_port(host_port, 0);
    REQUIRE(hp.ok());
    httplib::Client c(hp->first, hp->second);
    httplib::Headers headers;
    if (!authorization.empty()) headers.emplace("Authorization", authorization);
    auto res = c.Post("/rpc/v0", headers, R"({"jsonrpc":"2.0","id":1,"method":"VenusWorker.WorkerList","params":[]})",
                      "application/json");
    return res ? res->status : 0;
}

} // namespace

TEST_CASE("worker admin: the bearer token is required; -c reads worker.token next to the config", "[worker][auth]")
{
    Farm farm;
    WorkerFixture w(*farm.manager, farm.spec(), farm.dir);
    // The defaults: no token_file (worker.token next to worker.toml), and a
    // fixed port so that -c finds the API through [worker.rpc_server] listen.
    const std::string listen = "127.0.0.1:" + std::to_string(free_port());
    std::string cfg = slurp(w.config_path());
    cfg = std::regex_replace(cfg, std::regex("token_file = \"[^\"]*\"\n"), "");
    cfg = std::regex_replace(cfg, std::regex("listen = \"127.0.0.1:0\""), "listen = \"" + listen + "\"");
    write_text(w.config_path(), cfg);
    const std::string token_path = farm.dir / "worker.token";
    REQUIRE_FALSE(fs::exists(token_path));
    w.start();

    REQUIRE(fs::exists(token_path));
    struct stat st {};
    REQUIRE(::stat(token_path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    const std::string token = slurp(token_path).substr(0, 64);
    CHECK(post_status(listen, "") == 401);
    CHECK(post_status(listen, "Bearer " + std::string(64, '0')) == 401);
    CHECK(post_status(listen, "Bearer " + farm.manager->token()) == 401);
    CHECK(post_status(listen, "Bearer " + token) == 200);

    auto listed = run({damocles_worker(), "worker", "-c", w.config_path(), "list"});
    INFO(listed.err);
    CHECK(listed.exit_code == 0);
    CHECK(listed.out.rfind("#0: ", 0) == 0);
    CHECK(run({damocles_worker(), "worker", "-c", w.config_path(), "pause", "--index", "0"}).out ==
          "#0 worker pause done=true\n");
    CHECK(run({damocles_worker(), "worker", "-c", w.config_path(), "resume", "--index", "0"}).out ==
          "#0 worker resume done=true\n");
    // -H alone has no token: one line saying what to give.
    auto bare = run({damocles_worker(), "worker", "-H", listen, "list"});
    CHECK(bare.exit_code == 2);
    CHECK(bare.err.find("needs its token") != std::string::npos);
    auto wrong = run({damocles_worker(), "worker", "-H", listen, "--token-file", farm.dir / "worker.toml", "list"});
    CHECK(wrong.exit_code != 0);
    CHECK(wrong.err.find("unauthorized") != std::string::npos);
}

TEST_CASE("worker: a forced resume --state never skips the checks before persist", "[worker][resume]")
{
    Farm farm;
    json sector = seal_sector(1002, 1, farm.dir / "originals", "store-a");
    write_text(farm.dir / "import.json", json{{"sectors", json::array({sector})}}.dump());
    REQUIRE(farm.manager->cli({"util", "sealer", "sectors", "import", farm.dir / "import.json"}).exit_code == 0);
    WorkerFixture w(*farm.manager, farm.spec(), farm.dir);
    w.start({{"DAMOCLES_FAILPOINTS", "before:persist=fail"}});
    REQUIRE(farm.manager->cli({"util", "sealer", "sectors", "rebuild", "1002", "1"}).exit_code == 0);
    REQUIRE(w.wait_thread(
        0, [](const json &t) { return t["paused"].get<bool>(); }, 90));
    CHECK(w.threads()[0]["state"] == "SealedChecked");

    // A state past persist is refused: the thread stays paused, nothing persisted.
    auto forced = w.cli({"resume", "--index", "0", "--state", "Persisted"});
    CHECK(forced.out == "#0 worker resume done=true\n");
    REQUIRE(w.wait_thread(
        0,
        [](const json &t) {
            return t["paused"].get<bool>() && !t["last_err"].is_null() &&
                   t["last_err"].get<std::string>().find("would skip persist") != std::string::npos;
        },
        30));
    CHECK_FALSE(fs::exists(farm.store + "/sealed/s-t01002-1"));

    // The replica is damaged after CheckSealed passed; its record still
    // says checked. Resumed, the checks run again and catch it.
    std::string replica;
    for (const auto &e : fs::recursive_directory_iterator(w.location(0)))
        if (e.path().filename() == "sealed" && e.is_regular_file()) replica = e.path().string();
    REQUIRE_FALSE(replica.empty());
    {
        std::fstream f(replica, std::ios::in | std::ios::out | std::ios::binary);
        char c = 0;
        f.seekg(1000);
        f.get(c);
        f.seekp(1000);
        f.put(static_cast<char>(c ^ 0x55));
    }
    CHECK(w.cli({"resume", "--index", "0"}).out == "#0 worker resume done=true\n");
    REQUIRE(w.wait_thread(
        0,
        [](const json &t) {
            return t["paused"].get<bool>() && !t["last_err"].is_null() &&
                   t["last_err"].get<std::string>().find("CheckSealed failed") != std::string::npos;
        },
        60));
    const std::string log = w.log();
    CHECK(log.find("comm_r_check runs again before persist") != std::string::npos);
    CHECK(log.find("check_sealed runs again before persist") != std::string::npos);
    CHECK_FALSE(fs::exists(farm.store + "/sealed/s-t01002-1"));
}
