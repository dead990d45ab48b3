// SPDX-License-Identifier: Apache-2.0
//
// Prometheus metrics: the text exposition written by hand (checked against
// hand-written text), then GET /metrics on a real manager and worker, whose
// values must move with what the daemons do (docs/architecture.md §10).
#include <catch2/catch.hpp>

#include <filesystem>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "manager_fixture.hpp"
#include "ops_support.hpp"
#include "service/metrics/prometheus.hpp"
#include "worker_fixture.hpp"

using namespace dmc::test;
using namespace dmc::test::ops;
using nlohmann::json;
namespace fs = std::filesystem;
namespace metrics = dmc::service::metrics;

TEST_CASE("metrics: exposition of counters, gauges and histograms is the text format", "[metrics]")
{
    metrics::Registry reg;
    auto &requests = reg.counter("t_requests_total", "Requests \\ \"served\"\nper path", {"path", "code"});
    requests.counter({"/a\"b\\c\nd", "200"}).inc();
    requests.counter({"/a\"b\\c\nd", "200"}).inc(2);
    requests.counter({"/z", "401"}).inc(0.5);
    reg.gauge("t_queue", "Queue length").gauge().set(-3);
    auto &lat = reg.histogram("t_latency_seconds", "Latency", {"method"}, {1, 0.1});
    for (double v : {0.05, 0.1, 0.5, 5.0}) lat.histogram({"m"}).observe(v);
    const std::string expected = "# HELP t_requests_total Requests \\\\ \"served\"\\nper path\n"
                                 "# TYPE t_requests_total counter\n"
                                 "t_requests_total{path=\"/a\\\"b\\\\c\\nd\",code=\"200\"} 3\n"
                                 "t_requests_total{path=\"/z\",code=\"401\"} 0.5\n"
                                 "# HELP t_queue Queue length\n"
                                 "# TYPE t_queue gauge\n"
                                 "t_queue -3\n"
                                 "# HELP t_latency_seconds Latency\n"
                                 "# TYPE t_latency_seconds histogram\n"
                                 "t_latency_seconds_bucket{method=\"m\",le=\"0.1\"} 2\n"
                                 "t_latency_seconds_bucket{method=\"m\",le=\"1\"} 3\n"
                                 "t_latency_seconds_bucket{method=\"m\",le=\"+Inf\"} 4\n"
                                 "t_latency_seconds_sum{method=\"m\"} 5.65\n"
                                 "t_latency_seconds_count{method=\"m\"} 4\n";
    CHECK(reg.expose() == expected);
}

TEST_CASE("metrics: values print as Prometheus reads them", "[metrics]")
{
    CHECK(metrics::format_value(1) == "1");
    CHECK(metrics::format_value(-3) == "-3");
    CHECK(metrics::format_value(0.25) == "0.25");
    CHECK(metrics::format_value(0.005) == "0.005");
    CHECK(metrics::format_value(0.1 + 0.2) == "0.30000000000000004"); // exact round trip, not "0.3"
    CHECK(metrics::format_value(1e-7) == "1e-07");
    CHECK(metrics::format_value(1e20) == "1e+20");
    CHECK(metrics::format_value(9007199254740991.0) == "9007199254740991");
    CHECK(metrics::format_value(INFINITY) == "+Inf");
    CHECK(metrics::format_value(-INFINITY) == "-Inf");
    CHECK(metrics::format_value(NAN) == "NaN");
    CHECK(metrics::escape_label_value("a\\b\"c\nd") == "a\\\\b\\\"c\\nd");
}

TEST_CASE("metrics: names, label counts and types are checked; hooks run per scrape until dropped", "[metrics]")
{
    metrics::Registry reg;
    CHECK_THROWS_AS(reg.counter("bad-name", "x"), std::invalid_argument);
    CHECK_THROWS_AS(reg.counter("ok_name", "x", {"__reserved"}), std::invalid_argument);
    CHECK_THROWS_AS(reg.histogram("h", "x", {"le"}, {1}), std::invalid_argument);
    auto &f = reg.counter("c_total", "x", {"a"});
    CHECK(&reg.counter("c_total", "x", {"a"}) == &f);
    CHECK_THROWS_AS(reg.gauge("c_total", "x"), std::invalid_argument);
    CHECK_THROWS_AS(f.counter({}), std::invalid_argument);
    CHECK_THROWS_AS(f.counter({"1", "2"}), std::invalid_argument);
    CHECK_THROWS_AS(f.gauge({"1"}), std::invalid_argument);

    auto &g = reg.gauge("g", "x");
    int runs = 0;
    {
        auto hook = reg.on_scrape([&] { g.gauge().set(++runs); });
        CHECK(reg.expose().find("\ng 1\n") != std::string::npos);
        CHECK(reg.expose().find("\ng 2\n") != std::string::npos);
    }
    reg.expose();
    CHECK(runs == 2);
}

TEST_CASE("metrics: the manager's /metrics moves with calls, errors, bad tokens and the queue", "[metrics]")
{
    ManagerFixture m("[[Miners]]\nActor = 1001\n");
    dmc::service::rpc::Client c(m.address(), m.token());
    const std::string before = scrape(m.address());
    REQUIRE_FALSE(before.empty());
    CHECK(sample(before, "dmc_rebuild_queue_length") == 0);
    CHECK(sample(before, "dmc_registry_up") == 1);
    const std::string version = "dmc_rpc_requests_total{side=\"server\",method=\"Venus.Version\"}";
    const std::string missing = "dmc_rpc_errors_total{side=\"server\",method=\"Venus.FindSectorInAllStates\"}";

    REQUIRE(c.call("Venus.Version", json::array()).ok());
    REQUIRE(c.call("Venus.Version", json::array()).ok());
    CHECK_FALSE(c.call("Venus.FindSectorInAllStates", json::array({1001, 77})).ok());
    dmc::service::rpc::Client wrong(m.address(), "not-the-token");
    CHECK_FALSE(wrong.call("Venus.Version", json::array()).ok());
    json sectors = json::array({paper_sector(1001, 1), paper_sector(1001, 2)});
    REQUIRE(c.call("Venus.SectorsImport", json::array({{{"sectors", sectors}}})).ok());
    for (uint64_t n : {1, 2}) REQUIRE(c.call("Venus.SectorSetForRebuild", json::array({1001, n})).ok());
    auto task = c.call("Venus.AllocateRebuildSector", json::array({{{"AllowedMiners", json::array()},
                                                                    {"AllowedProofTypes", json::array()},
                                                                    {"Worker", "w"},
                                                                    {"Location", "/l"}}}));
    REQUIRE(task.ok());
    REQUIRE(task->is_object());

    // The registry gauges are refreshed by the manager's own thread soon
    // after an RPC (a scrape never reads the registry).
    std::string after;
    wait_until(
        [&] {
            after = scrape(m.address());
            return sample(after, "dmc_rebuild_queue_length") == 2 && sample(after, "dmc_rebuild_queue_leased") == 1;
        },
        std::chrono::seconds(5));
    CHECK(counter(after, version) == counter(before, version) + 2);
    CHECK(counter(after, missing) == counter(before, missing) + 1);
    CHECK(counter(after, "dmc_http_responses_total{daemon=\"manager\",code=\"401\"}") ==
          counter(before, "dmc_http_responses_total{daemon=\"manager\",code=\"401\"}") + 1);
    CHECK(sample(after, "dmc_rebuild_queue_length") == 2);
    CHECK(sample(after, "dmc_rebuild_queue_leased") == 1);
    CHECK(sample(after,
                 "dmc_rpc_request_duration_seconds_count{side=\"server\",method=\"Venus.SectorSetForRebuild\"}") == 2);
    CHECK(after.find("# TYPE dmc_rpc_request_duration_seconds histogram\n") != std::string::npos);
}

TEST_CASE("metrics: a worker's /metrics shows stages, a finished rebuild, bytes persisted and thread states",
          "[metrics][worker]")
{
    TempDir dir("metrics-worker");
    const std::string store = dir / "store";
    fs::create_directories(store);
    ManagerFixture m("[[Miners]]\nActor = 1002\n\n[[Common.PersistStores]]\nName = \"store-a\"\nPath = \"" + store +
                     "\"\n");
    json sector = seal_sector(1002, 1, store, "store-a");
    write_text(dir / "import.json", json{{"sectors", json::array({sector})}}.dump());
    REQUIRE(m.cli({"util", "sealer", "sectors", "import", dir / "import.json"}).exit_code == 0);
    fs::remove_all(store + "/sealed/s-t01002-1");
    fs::remove_all(store + "/cache/s-t01002-1");

    const std::string metrics_address = "127.0.0.1:" + std::to_string(free_port());
    WorkerSpec spec;
    spec.plans = {"rebuild", "rebuild"};
    spec.stores = {{"store-a", store}};
    spec.parent_cache = parent_cache_dir();
    spec.extra_toml = "[metrics]\nlisten = \"" + metrics_address + "\"\n";
    WorkerFixture w(m, spec, dir);
    w.start();
    const std::string idle = scrape(w.address());
    REQUIRE_FALSE(idle.empty());
    CHECK(sample(idle, "dmc_worker_threads{state=\"total\"}") == 2);
    CHECK(sample(idle, "dmc_worker_threads{state=\"empty\"}") == 2);

    REQUIRE(m.cli({"util", "sealer", "sectors", "rebuild", "1002", "1"}).exit_code == 0);
    dmc::service::rpc::Client c(m.address(), m.token());
    REQUIRE(wait_until(
        [&] {
            auto s = c.call("Venus.FindSectorInAllStates", json::array({1002, 1}));
            return s.ok() && !(*s)["online"].get<bool>() && !(*s)["need_rebuild"].get<bool>();
        },
        std::chrono::seconds(60)));

    // The manager learns of the end (ReportFinalized, inside the report
    // step) just before the worker records it.
    std::string done;
    CHECK(wait_until(
        [&] {
            done = scrape(w.address());
            return sample(done, "dmc_rebuilds_total{outcome=\"finished\"}") == 1;
        },
        std::chrono::seconds(10)));
    for (const char *stage : {"add_pieces", "tree_d", "pc1", "tree_c", "tree_r_last", "comm_r_check", "check_sealed",
                              "persist", "report"}) {
        INFO(stage);
        CHECK(sample(done, std::string("dmc_stage_duration_seconds_count{stage=\"") + stage + "\",outcome=\"ok\"}") ==
              1);
    }
    // Bytes persisted = the sector's files as they lie in the store now.
    uint64_t on_disk = fs::file_size(store + "/sealed/s-t01002-1");
    for (const auto &e : fs::directory_iterator(store + "/cache/s-t01002-1")) on_disk += e.file_size();
    CHECK(sample(done, "dmc_persisted_bytes_total") == static_cast<double>(on_disk));

    // The same registry on [metrics] listen; a paused thread shows up.
    REQUIRE(w.cli({"pause", "--index", "1"}).exit_code == 0);
    REQUIRE(w.wait_thread(
        1, [](const json &t) { return t["paused"].get<bool>(); }, 20));
    const std::string paused = scrape(metrics_address);
    REQUIRE_FALSE(paused.empty());
    CHECK(sample(paused, "dmc_worker_threads{state=\"paused\"}") == 1);
    CHECK(sample(paused, "dmc_rebuilds_total{outcome=\"finished\"}") == 1);
    CHECK(counter(paused, "dmc_rpc_requests_total{side=\"server\",method=\"VenusWorker.WorkerPause\"}") == 1);
    CHECK(counter(paused, "dmc_rpc_requests_total{side=\"server\",method=\"VenusWorker.WorkerList\"}") >= 1);

    // The manager sums the threads its workers reported in their pings.
    const std::string mgr = scrape(m.address());
    CHECK(sample(mgr, "dmc_manager_threads{state=\"total\"}") == 2);
    CHECK(sample(mgr, "dmc_manager_workers{state=\"alive\"}") == 1);
    CHECK(counter(mgr, "dmc_rpc_requests_total{side=\"server\",method=\"Venus.ReportFinalized\"}") == 1);
    CHECK(counter(mgr, "dmc_rpc_requests_total{side=\"server\",method=\"Venus.AllocateRebuildSector\"}") >= 1);
}

TEST_CASE("metrics: [metrics] token_file makes /metrics require its bearer token, on manager and worker",
          "[metrics][auth]")
{
    TempDir dir("metrics-token");
    const std::string store = dir / "store";
    fs::create_directories(store);
    ManagerFixture m("[[Miners]]\nActor = 1002\n\n[[Common.PersistStores]]\nName = \"store-a\"\nPath = \"" + store +
                     "\"\n\n[metrics]\ntoken_file = \"metrics.token\"\n");
    const std::string manager_token = slurp(m.home() + "/metrics.token").substr(0, 64);
    CHECK(scrape_with(m.address(), "").first == 401);
    CHECK(scrape_with(m.address(), m.token()).first == 401); // the RPC token is another one
    const auto [status, body] = scrape_with(m.address(), manager_token);
    CHECK(status == 200);
    CHECK(sample(body, "dmc_registry_up") == 1);

    const std::string metrics_address = "127.0.0.1:" + std::to_string(free_port());
    WorkerSpec spec;
    spec.stores = {{"store-a", store}};
    spec.parent_cache = parent_cache_dir();
    spec.extra_toml =
        "[metrics]\nlisten = \"" + metrics_address + "\"\ntoken_file = \"" + (dir / "worker-metrics.token") + "\"\n";
    WorkerFixture w(m, spec, dir);
    w.start();
    const std::string worker_token = slurp(dir / "worker-metrics.token").substr(0, 64);
    for (const std::string &address : {w.address(), metrics_address}) {
        INFO(address);
        CHECK(scrape_with(address, "").first == 401);
        CHECK(scrape_with(address, w.token()).first == 401); // the admin token is another one
        CHECK(sample(scrape(address, worker_token), "dmc_worker_threads{state=\"total\"}") == 1);
    }
}
