// SPDX-License-Identifier: Apache-2.0
//
// The console's store check and priority change in a headless chromium
// (docs/architecture.md §8.9, §14.2, §7.3): a finalized 2KiB sector whose
// sealed file was deleted shows as "sealed-missing / rebuild" after a check
// from the page, "check and queue damaged" (confirmed) queues it in the
// registry, and a priority set from the queue table moves it ahead while
// the registry keeps the same entry (seq and enqueue time unchanged).
// Without chromium the test is counted as skipped (DMC_SKIP).
#include <catch2/catch.hpp>

#include "ui_fixture.hpp"

using namespace dmc::test;
using namespace dmc::test::ui;

namespace {

// The check table's row of a sector, as "status / action / outcome".
std::string check_row_text(ConsolePage &page, const std::string &sector_id)
{
    const std::string row = "document.querySelector('#check-table tr[data-sector=\"" + sector_id + "\"]')";
    json text = page.eval("(r => r ? r.dataset.status + ' / ' + r.dataset.action + ' / ' + r.dataset.outcome : null)(" +
                          row + ")");
    return text.is_string() ? text.get<std::string>() : "(no row)";
}

} // namespace

TEST_CASE("ui: a store check, queueing what it found and a priority change from the page", "[ui][browser]")
{
    std::string why;
    const auto chromium = HeadlessChromium::find(&why);
    if (!chromium) DMC_SKIP("ui browser test: " << why);
    Console c;
    // Sector 7 is lost and already queued; sector 5 lost only its sealed
    // file; sector 6 is intact.
    c.seal_import_lose({7});
    c.seal_import({5, 6});
    REQUIRE(fs::remove(c.store + "/sealed/s-t01002-5"));
    c.queue(7, 0);
    const std::string shots = screenshot_dir();
    ConsolePage page(*chromium, c.dir.path());
    page.login(c);

    // A check alone reports and queues nothing.
    REQUIRE(page.wait_for("[...document.getElementById('ck-store').options].some(o => o.value === 'store-a')"));
    page.eval("document.getElementById('ck-store').value = 'store-a'");
    page.click("#ck-check", false);
    REQUIRE(page.wait_for("document.querySelectorAll('#check-table tbody tr').length === 3"));
    CHECK(page.rows("check-table") == json::array({"s-t01002-5", "s-t01002-6", "s-t01002-7"}));
    CHECK(check_row_text(page, "s-t01002-5") == "sealed-missing / rebuild / ");
    CHECK(check_row_text(page, "s-t01002-6") == "ok / none / ");
    CHECK(check_row_text(page, "s-t01002-7") == "sealed-missing / rebuild / ");
    CHECK(page.eval("document.querySelector('#check-table tr[data-sector=\"s-t01002-5\"]').textContent"
                    ".includes('sealed/s-t01002-5')") == true);
    CHECK(page.eval("document.getElementById('check-summary').textContent") ==
          "store store-a: 3 sectors, 1 ok, 2 damaged, 0 unregistered files");
    CHECK(c.state(5)["queue"].is_null());
    CHECK(c.state(5)["online"] == false);

    // Check and queue damaged, confirmed: 5 is queued, 7 already was, 6 is left alone.
    page.click("#ck-queue", true);
    REQUIRE(page.wait_for("document.querySelector('#check-table tr[data-sector=\"s-t01002-5\"][data-outcome]')"
                          " && document.querySelector('#check-table tr[data-sector=\"s-t01002-5\"]').dataset.outcome"));
    CHECK(check_row_text(page, "s-t01002-5") == "sealed-missing / rebuild / queued");
    CHECK(check_row_text(page, "s-t01002-6") == "ok / none / ");
    CHECK(check_row_text(page, "s-t01002-7") == "sealed-missing / rebuild / already queued");
    CHECK(page.eval("document.querySelector('#check-table tr[data-sector=\"s-t01002-7\"] td:last-child')"
                    ".textContent") == "already queued");
    const json entry = c.state(5)["queue"];
    REQUIRE(entry.is_object());
    CHECK(entry["priority"] == 0);
    CHECK(c.state(6)["queue"].is_null());
    CHECK(c.queue_order() == std::vector<std::string>{"s-t01002-7", "s-t01002-5"});
    REQUIRE(page.wait_for("[...document.querySelectorAll('#queue-table tbody tr')].length === 2"));
    CHECK(page.rows("queue-table") == json::array({"s-t01002-7", "s-t01002-5"}));
    page.screenshot(shots + "/store-check.png");

    // Priority 3 for sector 5 from the queue table: it moves ahead of 7 and
    // is the same registry entry.
    page.eval("document.querySelector('#queue-table input[data-sector=\"s-t01002-5\"]').value = '3'");
    page.click("#queue-table button[data-action=priority][data-sector=\"s-t01002-5\"]", false);
    REQUIRE(wait_until([&] { return c.state(5)["queue"]["priority"] == 3; }, std::chrono::seconds(10)));
    const json moved = c.state(5)["queue"];
    CHECK(moved["seq"] == entry["seq"]);
    CHECK(moved["enqueued_at"] == entry["enqueued_at"]);
    CHECK(c.queue_order() == std::vector<std::string>{"s-t01002-5", "s-t01002-7"});
    REQUIRE(page.wait_for("document.getElementById('notice').textContent === 's-t01002-5: priority 0 -> 3'"));
    REQUIRE(page.wait_for("[...document.querySelectorAll('#queue-table tbody tr')].map(r => r.dataset.sector)"
                          ".join() === 's-t01002-5,s-t01002-7'"));
}
