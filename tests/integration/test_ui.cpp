// SPDX-License-Identifier: Apache-2.0
//
// The manager's web console (docs/architecture.md §8.9): its login and
// session over plain HTTP, its JSON wrappers and actions checked against the
// registry through the manager's JSON-RPC, and the page itself in Debian's
// headless chromium (DevTools protocol over a pipe): login, the queue in
// priority order, queueing and cancelling from the page, a progress bar that
// moves, the per-stage chart against injected delays, a CommR mismatch shown
// with both values, pausing and resuming a thread, and a wrong token that
// gets no data. Screenshots go to
// build/test-results/ui/. Without chromium the browser test is counted as
// skipped (DMC_SKIP).
#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <regex>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "headless_chromium.hpp"
#include "manager_fixture.hpp"
#include "service/rpc/json_rpc.hpp"
#include "skip.hpp"
#include "worker_fixture.hpp"

using namespace dmc::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char *kTicket = "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0";

std::string parent_cache_dir()
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

    // Returns each sector's seal output; `edit` may change an imported record.
    std::map<uint64_t, json> seal_import_lose(std::initializer_list<uint64_t> numbers,
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

httplib::Headers bearer(const std::string &token) { return {{"Authorization", "Bearer " + token}}; }

// "dmc_console=<value>; Path=/ui; …" -> the Set-Cookie header of a login.
std::string login_cookie(httplib::Client &c, const std::string &token)
{
    auto res = c.Post("/ui/login", httplib::Params{{"token", token}});
    REQUIRE(res);
    REQUIRE(res->status == 303);
    return res->get_header_value("Set-Cookie");
}

std::string screenshot_dir()
{
    const std::string dir = std::string(DMC_BUILD_ROOT) + "/test-results/ui";
    fs::create_directories(dir);
    return dir;
}

} // namespace

TEST_CASE("ui: login, session cookie and bearer token guard the page and its JSON", "[ui]")
{
    Console c;
    auto http = c.http();
    const std::string token = c.manager->token();

    // Without credentials: the login form only, and 401 on the data.
    auto page = http.Get("/ui");
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK(page->body.find("id=\"login-form\"") != std::string::npos);
    CHECK(page->body.find("queue-table") == std::string::npos);
    CHECK(page->get_header_value("Content-Security-Policy").find("default-src 'self'") != std::string::npos);
    for (const char *view : {"/ui/api/queue", "/ui/api/sectors", "/ui/api/workers", "/ui/api/stores",
                             "/ui/api/failures", "/ui/api/summary", "/ui/api/stages"}) {
        auto res = http.Get(view);
        REQUIRE(res);
        CHECK(res->status == 401);
    }
    // A wrong bearer, the raw token as a cookie, a wrong form token.
    CHECK(http.Get("/ui/api/queue", bearer(token + "0"))->status == 401);
    CHECK(http.Get("/ui/api/queue", httplib::Headers{{"Cookie", "dmc_console=" + token}})->status == 401);
    auto wrong = http.Post("/ui/login", httplib::Params{{"token", "not-the-token"}});
    REQUIRE(wrong);
    CHECK(wrong->status == 401);
    CHECK_FALSE(wrong->has_header("Set-Cookie"));
    CHECK(wrong->body.find("Wrong token") != std::string::npos);

    // The right token: an HttpOnly, SameSite=Strict cookie on /ui whose value
    // is not the token.
    const std::string set_cookie = login_cookie(http, token);
    std::smatch m;
    REQUIRE(std::regex_search(set_cookie, m, std::regex("^dmc_console=([0-9]+\\.[0-9a-f]{64});")));
    const std::string session = m[1];
    CHECK(session.find(token) == std::string::npos);
    CHECK(set_cookie.find("; HttpOnly") != std::string::npos);
    CHECK(set_cookie.find("; SameSite=Strict") != std::string::npos);
    CHECK(set_cookie.find("; Path=/ui;") != std::string::npos);
    const httplib::Headers cookie = {{"Cookie", "other=1; dmc_console=" + session}};
    auto console = http.Get("/ui", cookie);
    REQUIRE(console);
    CHECK(console->body.find("id=\"queue-table\"") != std::string::npos);
    CHECK(http.Get("/ui/api/queue", cookie)->status == 200);
    CHECK(http.Get("/ui/api/queue", bearer(token))->status == 200);
    // One changed character of the session value is refused.
    std::string tampered = session;
    tampered.back() = tampered.back() == '0' ? '1' : '0';
    CHECK(http.Get("/ui/api/queue", httplib::Headers{{"Cookie", "dmc_console=" + tampered}})->status == 401);
    // A session from before a manager restart is over.
    c.manager->restart();
    auto after = c.http();
    CHECK(after.Get("/ui/api/queue", cookie)->status == 401);

    // The compiled-in assets need no session; unknown files are 404.
    auto js = after.Get("/ui/assets/console.js");
    REQUIRE(js);
    CHECK(js->status == 200);
    CHECK(js->get_header_value("Content-Type").rfind("text/javascript", 0) == 0);
    CHECK(js->body.find("/ui/api/") != std::string::npos);
    CHECK(after.Get("/ui/assets/nope.js")->status == 404);
}

TEST_CASE("ui: the JSON views and actions are the CLI's calls, checked in the registry", "[ui]")
{
    Console c;
    c.seal_import_lose({1, 2, 3});
    auto http = c.http();
    const auto auth = bearer(c.manager->token());
    auto post = [&](const std::string &path, const json &body) {
        auto res = http.Post(path, auth, body.dump(), "application/json");
        REQUIRE(res);
        return std::make_pair(res->status, json::parse(res->body));
    };

    // Queue by range and by number, as `sectors rebuild` does.
    auto [status, queued] = post("/ui/api/rebuild", {{"miner", "t01002"}, {"range", "1-2"}, {"priority", 0}});
    CHECK(status == 200);
    CHECK(queued["queued"] == 2);
    auto again = post("/ui/api/rebuild", {{"miner", "1002"}, {"sectors", "2 3 9"}, {"priority", "4"}});
    CHECK(again.first == 409);
    REQUIRE(again.second["results"].size() == 3);
    CHECK(again.second["results"][0]["outcome"] == "already queued");
    CHECK(again.second["results"][1]["outcome"] == "queued");
    CHECK(again.second["results"][2]["outcome"] == "refused");
    CHECK(again.second["results"][2]["message"] == "no available sector info");
    CHECK(c.queue_order() == std::vector<std::string>{"s-t01002-3", "s-t01002-1", "s-t01002-2"});

    // The queue view: the registry's order.
    auto q = http.Get("/ui/api/queue", auth);
    REQUIRE(q);
    json entries = json::parse(q->body)["entries"];
    REQUIRE(entries.size() == 3);
    CHECK(entries[0]["sector_id"] == "s-t01002-3");
    CHECK(entries[0]["priority"] == 4);
    CHECK(entries[0]["running"] == false);

    // A priority change: sector 2 moves ahead of 1 and 3.
    auto prio = post("/ui/api/priority", {{"miner", "1002"}, {"number", 2}, {"priority", 9}});
    CHECK(prio.first == 200);
    CHECK(prio.second["outcome"] == "requeued");
    CHECK(c.queue_order() == std::vector<std::string>{"s-t01002-2", "s-t01002-3", "s-t01002-1"});

    // Cancel: out of the queue, registry data kept.
    auto cancel = post("/ui/api/cancel", {{"miner", "1002"}, {"number", 1}});
    CHECK(cancel.first == 200);
    CHECK(cancel.second["message"] == "s-t01002-1: cancelled (removed from the queue)");
    json st = c.state(1);
    CHECK(st["online"] == false);
    CHECK(st["queue"].is_null());
    CHECK(st["abort_reason"] == "rebuild cancelled");
    CHECK(st["sector"]["ticket"] == kTicket);
    CHECK(post("/ui/api/cancel", {{"miner", "1002"}, {"number", 1}}).first == 409);

    // Summary, failures, stores and sectors views count what the registry holds.
    json summary = json::parse(http.Get("/ui/api/summary", auth)->body);
    CHECK(summary["queued"] == 2);
    CHECK(summary["running"] == 0);
    CHECK(summary["cancelled"] == 1);
    CHECK(summary["failed"] == 0);
    json failures = json::parse(http.Get("/ui/api/failures", auth)->body)["failures"];
    REQUIRE(failures.size() == 1);
    CHECK(failures[0]["sector_id"] == "s-t01002-1");
    CHECK(failures[0]["kind"] == "cancelled");
    json stores = json::parse(http.Get("/ui/api/stores", auth)->body)["stores"];
    REQUIRE(stores.size() == 1);
    CHECK(stores[0]["name"] == "store-a");
    CHECK(stores[0]["sectors"] == 3);
    CHECK(stores[0]["rebuilding"] == 2);
    CHECK(json::parse(http.Get("/ui/api/sectors?online=true", auth)->body).size() == 2);

    // Bad input: one line naming the field; not JSON: 415.
    auto bad = post("/ui/api/rebuild", {{"miner", "t01002"}, {"range", "5-2"}});
    CHECK(bad.first == 400);
    CHECK(bad.second["error"].get<std::string>().find("invalid range '5-2'") != std::string::npos);
    CHECK(
        post("/ui/api/cancel", {{"number", 1}}).second["error"].get<std::string>().rfind("missing field 'miner'", 0) ==
        0);
    auto form = http.Post("/ui/api/cancel", auth, "miner=1002&number=2", "application/x-www-form-urlencoded");
    REQUIRE(form);
    CHECK(form->status == 415);
    CHECK(c.state(2)["online"] == true); // nothing happened
}

TEST_CASE("ui: the console in a headless browser", "[ui][browser]")
{
    std::string why;
    const auto chromium = HeadlessChromium::find(&why);
    if (!chromium) DMC_SKIP("ui browser test: " << why);
    Console c;
    // Sector 4 is registered with sector 1's CommR: its rebuild must fail
    // the CommR check and say both values.
    std::string wrong_comm_r;
    auto sealed = c.seal_import_lose({1, 2, 3, 4}, [&](uint64_t n, json &sector) {
        if (n == 1) wrong_comm_r = sector["comm_r"];
        if (n == 4) sector["comm_r"] = wrong_comm_r;
    });
    const std::string true_comm_r = sealed[4]["sector"]["comm_r"];
    REQUIRE(true_comm_r != wrong_comm_r);
    c.queue(1, 0);
    c.queue(2, 5);
    c.queue(4, -1);
    const std::string shots = screenshot_dir();
    TempDir profile("ui-chromium");
    HeadlessChromium browser(*chromium, profile / "profile", c.dir / "chromium.log");
    const std::string tab = browser.open_tab();
    auto eval = [&](const std::string &js) { return browser.evaluate(tab, js); };
    auto wait_for = [&](const std::string &js, int seconds = 15) {
        return browser.wait_for(tab, js, std::chrono::seconds(seconds));
    };
    // Clicks the element and, for a destructive action, the confirmation.
    auto click = [&](const std::string &selector, bool confirm) {
        INFO(selector);
        REQUIRE(wait_for("document.querySelector(" + json(selector).dump() + ")"));
        eval("document.querySelector(" + json(selector).dump() + ").click()");
        if (!confirm) return;
        REQUIRE(wait_for("document.getElementById('confirm').open"));
        eval("document.getElementById('confirm-yes').click()");
    };
    auto rows = [&](const std::string &table) {
        return eval("[...document.querySelectorAll('#" + table + " tbody tr')].map(r => r.dataset.sector)");
    };

    // Login.
    browser.navigate(tab, c.url("/ui"));
    CHECK(eval("!!document.getElementById('login-form') && !document.getElementById('queue-table')") == true);
    browser.screenshot(tab, shots + "/login.png");
    eval("document.getElementById('token').value = " + json(c.manager->token()).dump() +
         "; document.getElementById('login-form').submit()");
    REQUIRE(wait_for("document.getElementById('refreshed') && document.getElementById('refreshed').dataset.at"));
    // The session cookie is out of the page's reach and is not the token.
    CHECK(eval("document.cookie") == "");
    json cookies = browser.send("Network.getCookies", {{"urls", {c.url("/ui")}}}, tab)["cookies"];
    REQUIRE(cookies.size() == 1);
    CHECK(cookies[0]["httpOnly"] == true);
    CHECK(cookies[0]["sameSite"] == "Strict");
    CHECK(cookies[0]["path"] == "/ui");
    CHECK(cookies[0]["value"] != c.manager->token());

    // Queue sector 3 from the form; the queue shows all three in priority,
    // then FIFO order.
    eval("document.getElementById('rb-miner').value = 't01002'; document.getElementById('rb-range').value = '3-3'");
    click("#rb-rebuild", false);
    REQUIRE(
        wait_for("document.querySelector('#action-results li[data-sector=\"s-t01002-3\"][data-outcome=\"queued\"]')"));
    CHECK(c.state(3)["queue"].is_object());
    REQUIRE(wait_for("[...document.querySelectorAll('#queue-table tbody tr')].length === 4"));
    CHECK(rows("queue-table") == json::array({"s-t01002-2", "s-t01002-1", "s-t01002-3", "s-t01002-4"}));
    CHECK(eval("document.getElementById('sum-queued').textContent") == "4");
    browser.screenshot(tab, shots + "/queue.png");

    // Cancel the queued sector 1 from the page: the registry cancels it.
    click("#queue-table button[data-action=cancel][data-sector=\"s-t01002-1\"]", true);
    REQUIRE(wait_until([&] { return c.state(1)["queue"].is_null(); }, std::chrono::seconds(10)));
    json st1 = c.state(1);
    CHECK(st1["online"] == false);
    CHECK(st1["abort_reason"] == "rebuild cancelled");
    REQUIRE(wait_for("document.querySelector('#failures .failure.cancelled[data-sector=\"s-t01002-1\"]')"));

    // A worker rebuilds sector 2 (priority 5) with 3 s before PC1 and before
    // persist: its progress bar moves.
    WorkerFixture worker(*c.manager, c.worker_spec(), c.dir);
    worker.start({{"DAMOCLES_FAILPOINTS", "before:pc1=sleep:3000,before:persist=sleep:3000"}});
    const std::string bar = "document.querySelector('#running-table .bar[data-sector=\"s-t01002-2\"]')";
    REQUIRE(wait_for(bar, 30));
    std::vector<double> seen;
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < until) {
        json v = eval("(" + bar + " || {dataset: {}}).dataset.progress || null");
        if (v.is_string()) {
            const double p = std::stod(v.get<std::string>());
            if (seen.empty() || p != seen.back()) seen.push_back(p);
            if (seen.size() == 2) browser.screenshot(tab, shots + "/running.png");
        }
        if (seen.size() >= 2 && seen.back() > seen.front()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    INFO("progress values seen: " << json(seen).dump());
    REQUIRE(seen.size() >= 2);
    CHECK(seen.back() > seen.front());
    REQUIRE(wait_until([&] { return c.state(2)["need_rebuild"] == false && c.state(2)["online"] == false; },
                       std::chrono::seconds(40)));

    // The stage chart charges the injected sleeps to pc1 and persist.
    REQUIRE(wait_for("document.querySelector('#stage-chart rect[data-stage=\"persist\"]')", 10));
    CHECK(eval("Number(document.querySelector('#stage-chart rect[data-stage=\"pc1\"]').dataset.mean)").get<double>() >=
          3.0);
    CHECK(eval("Number(document.querySelector('#stage-chart rect[data-stage=\"persist\"]').dataset.mean)")
              .get<double>() >= 3.0);
    CHECK(wait_for("document.getElementById('sum-finished').textContent === '1'"));

    // Sector 3 runs next; cancelling it from the running table stops the worker.
    REQUIRE(wait_for("document.querySelector('#running-table button[data-action=cancel][data-sector=\"s-t01002-3\"]')",
                     30));
    click("#running-table button[data-action=cancel][data-sector=\"s-t01002-3\"]", true);
    REQUIRE(wait_until([&] { return c.state(3)["online"] == false; }, std::chrono::seconds(30)));
    CHECK(c.state(3)["abort_reason"] == "rebuild cancelled by operator");

    // Sector 4 fails the CommR check: the failure shows both values, the
    // thread pauses with the error, and is resumed from the page.
    const std::string failure = "document.querySelector('#failures .failure.aborted[data-sector=\"s-t01002-4\"] pre')";
    REQUIRE(wait_for(failure, 40));
    const std::string message = eval(failure + ".textContent");
    CHECK(message.find("comm_r mismatch: rebuilt " + true_comm_r + ", registered " + wrong_comm_r) !=
          std::string::npos);
    CHECK(c.state(4)["abort_reason"] == message);
    CHECK(wait_for("document.getElementById('sum-failed').textContent === '1'"));
    const std::string resume = "#workers button[data-action=resume][data-worker=\"worker\"][data-index=\"0\"]";
    REQUIRE(wait_for("document.querySelector(" + json(resume).dump() + ")"));
    CHECK(eval("document.querySelector('#workers tr[data-index=\"0\"]').textContent.includes('comm_r mismatch')") ==
          true);
    browser.screenshot(tab, shots + "/console.png");
    click(resume, false);
    REQUIRE(worker.wait_thread(
        0, [](const json &t) { return t["paused"] == false; }, 20));

    // Pause and resume from the workers panel, as `util worker pause|resume` does.
    click("#workers button[data-action=pause][data-worker=\"worker\"][data-index=\"0\"]", true);
    REQUIRE(worker.wait_thread(
        0, [](const json &t) { return t["paused"] == true; }, 20));
    click(resume, false);
    REQUIRE(worker.wait_thread(
        0, [](const json &t) { return t["paused"] == false; }, 20));

    // Someone with a wrong token (own cookie jar) sees the form and no data.
    const std::string stranger = browser.open_tab(browser.new_context());
    browser.navigate(stranger, c.url("/ui"));
    browser.evaluate(stranger, "document.getElementById('token').value = 'wrong'; "
                               "document.getElementById('login-form').submit()");
    REQUIRE(browser.wait_for(stranger, "document.getElementById('login-error')", std::chrono::seconds(10)));
    CHECK(browser.evaluate(stranger, "!document.getElementById('queue-table') && "
                                     "!document.body.textContent.includes('s-t01002')") == true);
    CHECK(browser.evaluate(stranger, "fetch('/ui/api/queue').then(r => r.status)") == 401);
    CHECK(browser.evaluate(stranger, "fetch('/ui/api/summary').then(r => r.status)") == 401);
    browser.screenshot(stranger, shots + "/wrong-token.png");
}
