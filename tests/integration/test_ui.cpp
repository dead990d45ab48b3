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

#include <regex>
#include <thread>

#include "ui_fixture.hpp"

using namespace dmc::test;
using namespace dmc::test::ui;

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
    CHECK_FALSE(again.second["results"][0].contains("message")); // no refusal text for it
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

    // A priority change: sector 2 moves ahead of 1 and 3, as the same entry
    // (Venus.SectorSetPriority: it never left the queue).
    const json entry_before = c.state(2)["queue"];
    REQUIRE(entry_before.is_object());
    auto prio = post("/ui/api/priority", {{"miner", "1002"}, {"number", 2}, {"priority", 9}});
    CHECK(prio.first == 200);
    CHECK(prio.second["outcome"] == "changed");
    CHECK(prio.second["message"] == "s-t01002-2: priority 0 -> 9");
    CHECK(c.queue_order() == std::vector<std::string>{"s-t01002-2", "s-t01002-3", "s-t01002-1"});
    const json entry_after = c.state(2)["queue"];
    CHECK(entry_after["priority"] == 9);
    CHECK(entry_after["seq"] == entry_before["seq"]);
    CHECK(entry_after["enqueued_at"] == entry_before["enqueued_at"]);
    auto not_queued = post("/ui/api/priority", {{"miner", "1002"}, {"number", 7}, {"priority", 1}});
    CHECK(not_queued.first == 409);
    CHECK(not_queued.second["error"].get<std::string>().rfind(
              "s-t01002-7: refused: sector s-t01002-7 is not queued for rebuild", 0) == 0);

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

    // The store check: every sector of store-a lost its files; with
    // `rebuild` the cancelled sector 1 is queued again, 2 and 3 already are.
    auto check = post("/ui/api/check", {{"store", "store-a"}});
    CHECK(check.first == 200);
    REQUIRE(check.second["sectors"].size() == 3);
    for (const auto &row : check.second["sectors"]) {
        CHECK(row["status"] == "sealed-missing");
        CHECK(row["action"] == "rebuild");
        CHECK_FALSE(row.contains("outcome"));
    }
    CHECK(check.second["sectors"][0]["sector_id"] == "s-t01002-1");
    CHECK(check.second["sectors"][1]["detail"].get<std::string>().find("(a rebuild is queued or running)") !=
          std::string::npos);
    CHECK(check.second["message"] == "store store-a: 3 sectors, 0 ok, 3 damaged, 0 unregistered files");
    CHECK(c.state(1)["queue"].is_null()); // a check alone queues nothing
    auto check_queue = post("/ui/api/check", {{"store", "store-a"}, {"rebuild", true}});
    CHECK(check_queue.first == 200);
    REQUIRE(check_queue.second["sectors"].size() == 3);
    CHECK(check_queue.second["sectors"][0]["outcome"] == "queued");
    CHECK(check_queue.second["sectors"][1]["outcome"] == "already queued");
    CHECK(check_queue.second["sectors"][2]["outcome"] == "already queued");
    CHECK_FALSE(check_queue.second["sectors"][2].contains("message"));
    CHECK(c.state(1)["queue"].is_object());
    CHECK(c.queue_order() == std::vector<std::string>{"s-t01002-2", "s-t01002-3", "s-t01002-1"});
    auto no_store = post("/ui/api/check", {{"store", "store-z"}});
    CHECK(no_store.first == 400);
    CHECK(no_store.second["error"].get<std::string>().rfind("no persist store is named store-z", 0) == 0);
    CHECK(post("/ui/api/check", json::object()).first == 400);
    REQUIRE(post("/ui/api/cancel", {{"miner", "1002"}, {"number", 1}}).first == 200);

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
    ConsolePage page(*chromium, c.dir.path());
    HeadlessChromium &browser = page.browser();
    const std::string tab = page.tab();
    auto eval = [&](const std::string &js) { return page.eval(js); };
    auto wait_for = [&](const std::string &js, int seconds = 15) { return page.wait_for(js, seconds); };
    auto click = [&](const std::string &selector, bool confirm) { page.click(selector, confirm); };
    auto rows = [&](const std::string &table) { return page.rows(table); };

    // Login.
    page.login(c, shots + "/login.png");
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

    // A worker rebuilds sector 2 (priority 5) with 3 s before PC1 and 8 s
    // before persist: its progress bar moves. The 8 s keep sector 3, next,
    // running while the page is checked and its cancel button clicked, even
    // when a busy machine slows the page (a 3 s wait let it finish first).
    WorkerFixture worker(*c.manager, c.worker_spec(), c.dir);
    worker.start({{"DAMOCLES_FAILPOINTS", "before:pc1=sleep:3000,before:persist=sleep:8000"}});
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
                       std::chrono::seconds(60)));

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
