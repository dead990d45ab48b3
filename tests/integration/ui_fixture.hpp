// SPDX-License-Identifier: Apache-2.0
//
// What the web console's tests share (docs/architecture.md §8.9): a manager
// with miner 1002 and persist store store-a holding 2KiB sectors sealed for
// the test, HTTP helpers, and ConsolePage, the console logged in in a
// headless chromium tab (tests/support/headless_chromium.hpp).
#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "headless_chromium.hpp"
#include "manager_fixture.hpp"
#include "service/rpc/json_rpc.hpp"
#include "skip.hpp"
#include "worker_fixture.hpp"

namespace dmc::test::ui {

using nlohmann::json;
namespace fs = std::filesystem;

inline constexpr const char *kTicket = "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0";

inline std::string parent_cache_dir()
{
    static TempDir dir("parents-ui");
    return dir.path();
}

// A manager with miner 1002 and one persist store holding 2KiB sectors
// sealed offline, imported, then lost.
struct Console {
    TempDir dir{"ui"};
    std::string store = dir / "store";
    std::unique_ptr<ManagerFixture> manager;

    Console()
    {
        fs::create_directories(store);
        // [worker_admin]: the console reaches the worker's admin API with the
        // token the manager creates and the worker is given.
        manager = std::make_unique<ManagerFixture>("[[Miners]]\nActor = 1002\n\n[[Common.PersistStores]]\nName = "
                                                   "\"store-a\"\nPath = \"" +
                                                   store + "\"\n\n[worker_admin]\ntoken_file = \"" + workers_token() +
                                                   "\"\n");
    }

    // Seals 2KiB sectors into the store and imports them (finalized, files
    // in place); returns each sector's seal output. `edit` may change an
    // imported record.
    std::map<uint64_t, json> seal_import(std::initializer_list<uint64_t> numbers,
                                         const std::function<void(uint64_t, json &)> &edit = {})
    {
        json sectors = json::array();
        std::map<uint64_t, json> sealed;
        for (uint64_t n : numbers) {
            auto r = run({damocles_run(), "seal", "--proof", "StackedDrg2KiBV1_1", "--miner", "1002", "--sector",
                          std::to_string(n), "--ticket", kTicket, "--out", store, "--parent-cache", parent_cache_dir(),
                          "--json"});
            INFO(r.err);
            REQUIRE(r.exit_code == 0);
            sealed[n] = json::parse(r.out);
            json sector = sealed[n]["sector"];
            sector["store"] = "store-a";
            if (edit) edit(n, sector);
            sectors.push_back(sector);
        }
        write_text(dir / "import.json", json{{"sectors", sectors}}.dump());
        REQUIRE(manager->cli({"util", "sealer", "sectors", "import", dir / "import.json"}).exit_code == 0);
        return sealed;
    }

    // The same, then the sectors' files are lost.
    std::map<uint64_t, json> seal_import_lose(std::initializer_list<uint64_t> numbers,
                                              const std::function<void(uint64_t, json &)> &edit = {})
    {
        auto sealed = seal_import(numbers, edit);
        for (uint64_t n : numbers) {
            fs::remove_all(store + "/sealed/s-t01002-" + std::to_string(n));
            fs::remove_all(store + "/cache/s-t01002-" + std::to_string(n));
        }
        return sealed;
    }

    void queue(uint64_t n, int priority = 0)
    {
        auto r = manager->cli({"util", "sealer", "sectors", "rebuild", "1002", std::to_string(n), "--priority",
                               std::to_string(priority)});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
    }

    // The registry's view, through the JSON-RPC the CLI uses.
    json state(uint64_t n) const
    {
        dmc::service::rpc::Client c(manager->address(), manager->token());
        auto r = c.call("Venus.FindSectorInAllStates", json::array({1002, n}));
        REQUIRE(r.ok());
        return *r;
    }
    std::vector<std::string> queue_order() const
    {
        dmc::service::rpc::Client c(manager->address(), manager->token());
        auto r = c.call("Venus.RebuildQueue", json::array());
        REQUIRE(r.ok());
        std::vector<std::string> ids;
        for (const auto &row : *r) ids.push_back(row["sector_id"]);
        return ids;
    }

    httplib::Client http() const
    {
        auto hp = dmc::service::rpc::parse_host_port(manager->address(), 0);
        httplib::Client c(hp->first, hp->second);
        c.set_connection_timeout(5, 0);
        c.set_read_timeout(30, 0);
        return c;
    }
    std::string url(const std::string &path) const { return "http://" + manager->address() + path; }

    WorkerSpec worker_spec() const
    {
        WorkerSpec s;
        s.stores = {{"store-a", store}};
        s.parent_cache = parent_cache_dir();
        s.admin_token_file = workers_token();
        return s;
    }
    std::string workers_token() const { return dir / "workers.token"; }
};

inline httplib::Headers bearer(const std::string &token) { return {{"Authorization", "Bearer " + token}}; }

// "dmc_console=<value>; Path=/ui; …" -> the Set-Cookie header of a login.
inline std::string login_cookie(httplib::Client &c, const std::string &token)
{
    auto res = c.Post("/ui/login", httplib::Params{{"token", token}});
    REQUIRE(res);
    REQUIRE(res->status == 303);
    return res->get_header_value("Set-Cookie");
}

inline std::string screenshot_dir()
{
    const std::string dir = std::string(DMC_BUILD_ROOT) + "/test-results/ui";
    fs::create_directories(dir);
    return dir;
}

// The console in a fresh headless chromium tab.
class ConsolePage {
public:
    ConsolePage(const std::string &chromium, const std::string &log_dir)
        : browser_(chromium, profile_ / "profile", log_dir + "/chromium.log"), tab_(browser_.open_tab())
    {
    }

    HeadlessChromium &browser() { return browser_; }
    const std::string &tab() const { return tab_; }
    json eval(const std::string &js) { return browser_.evaluate(tab_, js); }
    bool wait_for(const std::string &js, int seconds = 15)
    {
        return browser_.wait_for(tab_, js, std::chrono::seconds(seconds));
    }
    void screenshot(const std::string &path) { browser_.screenshot(tab_, path); }

    // Logs in with `token` from the login form (a screenshot of the form to
    // `login_shot` when given) and waits for the first refresh.
    void login(const Console &c, const std::string &login_shot = "")
    {
        browser_.navigate(tab_, c.url("/ui"));
        CHECK(eval("!!document.getElementById('login-form') && !document.getElementById('queue-table')") == true);
        if (!login_shot.empty()) screenshot(login_shot);
        eval("document.getElementById('token').value = " + json(c.manager->token()).dump() +
             "; document.getElementById('login-form').submit()");
        REQUIRE(wait_for("document.getElementById('refreshed') && document.getElementById('refreshed').dataset.at"));
    }

    // Clicks the element and, for a destructive action, the confirmation.
    void click(const std::string &selector, bool confirm)
    {
        INFO(selector);
        REQUIRE(wait_for("document.querySelector(" + json(selector).dump() + ")"));
        eval("document.querySelector(" + json(selector).dump() + ").click()");
        if (!confirm) return;
        REQUIRE(wait_for("document.getElementById('confirm').open"));
        eval("document.getElementById('confirm-yes').click()");
    }

    // The data-sector of each row of a table's body.
    json rows(const std::string &table)
    {
        return eval("[...document.querySelectorAll('#" + table + " tbody tr')].map(r => r.dataset.sector)");
    }

private:
    TempDir profile_{"ui-chromium"};
    HeadlessChromium browser_;
    std::string tab_;
};

} // namespace dmc::test::ui
