// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run bench metrics`: what a /metrics scrape costs a busy manager
// (docs/architecture.md §10). The real daemon is started on a scratch home
// (this executable, `manager daemon run`), `--sectors` sectors are imported
// and queued for rebuild, then `--rate` scrapes a second are made for
// `--seconds`, each on a fresh connection as Prometheus makes them, while
// an RPC client keeps the manager busy. Each tick also requests GET
// /healthz, the cheapest route of the same server: the limit a scrape is
// compared with, measured in the same run.
//
// ratio = p99 scrape time / p99 /healthz time. Nothing is asserted: the
// figure is printed (the p99 of the issue: 50 scrapes/s for 10 s with 200
// sectors queued are the defaults).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "bench_support.hpp"
#include "cli_common.hpp"
#include "damocles/sdk/file.hpp"
#include "service/manager/manager_daemon.hpp"
#include "service/rpc/json_rpc.hpp"

namespace dmc::cli::bench {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct MetricsOptions {
    uint64_t sectors = 200;
    double rate = 50;
    double seconds = 10;
    std::string scratch;
    bool keep = false;
};

MetricsOptions &metrics_options()
{
    static MetricsOptions o;
    return o;
}

// The manager daemon, a child of this process, stopped at the end.
class ManagerProcess {
public:
    explicit ManagerProcess(const std::string &home)
    {
        pid_ = ::fork();
        if (pid_ == 0) {
            ::setenv("DAMOCLES_LOG", "warn", 1);
            ::execl("/proc/self/exe", "damocles-run", "manager", "--home", home.c_str(), "daemon", "run", "--listen",
                    "127.0.0.1:0", static_cast<char *>(nullptr));
            ::_exit(127);
        }
    }
    ~ManagerProcess()
    {
        if (pid_ <= 0) return;
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    bool running() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }

private:
    pid_t pid_ = -1;
};

json paper_sector(uint64_t number)
{
    return {{"miner", 1001},
            {"number", number},
            {"proof", "StackedDrg2KiBV1_1"},
            {"ticket", "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0"},
            {"ticket_epoch", 10},
            {"comm_d", "baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy"},
            {"comm_r", "bagboea4b5abcbnym7z3pgc64fk5wwsk3nsmz62jamgaa3pekzelmm3fv5q6g6zji"},
            {"pieces", json::array()},
            {"snap", nullptr}};
}

// Milliseconds of one GET on a fresh connection; negative when it failed.
double timed_get(const std::string &host, int port, const std::string &path, size_t *bytes)
{
    const auto start = Clock::now();
    httplib::Client client(host, port);
    client.set_connection_timeout(5, 0);
    client.set_read_timeout(5, 0);
    auto res = client.Get(path);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (!res || res->status != 200) return -1;
    if (bytes) *bytes = res->body.size();
    return ms;
}

double percentile(std::vector<double> values, double p)
{
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const size_t index = std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())));
    return values[index];
}

void run_metrics()
{
    const auto &o = metrics_options();
    if (o.sectors == 0 || o.rate <= 0 || o.seconds <= 0) fail_usage("--sectors, --rate and --seconds must be positive");
    ScratchDir scratch(o.scratch.empty() ? default_scratch_parent() : o.scratch, "bench-metrics", o.keep);
    const std::string home = scratch.path() + "/home";
    must(make_dirs(home));
    must(write_file_atomic(home + "/config.toml", "[[Miners]]\nActor = 1001\n"));
    ManagerProcess manager(home);
    const auto started = Clock::now();
    Result<service::ManagerEndpoint> endpoint = make_error(Errc::not_found, "not started");
    while (Clock::now() - started < std::chrono::seconds(30) && manager.running()) {
        endpoint = service::read_manager_endpoint(home);
        if (endpoint) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!endpoint) fail("the manager did not start: " + endpoint.error().message);
    service::rpc::Client rpc(endpoint->address, endpoint->token, 60);
    json sectors = json::array();
    for (uint64_t n = 1; n <= o.sectors; ++n) sectors.push_back(paper_sector(n));
    if (auto r = rpc.call("Venus.SectorsImport", json::array({{{"sectors", sectors}}})); !r) fail(r.error().message);
    for (uint64_t n = 1; n <= o.sectors; ++n)
        if (auto r = rpc.call("Venus.SectorSetForRebuild", json::array({1001, n})); !r) fail(r.error().message);
    auto host_port = service::rpc::parse_host_port(endpoint->address, 1789);
    if (!host_port) fail(host_port.error().message);

    // An RPC client keeps the manager's registry busy meanwhile (listings
    // of the whole queue, as `sectors list` makes them).
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> rpc_calls{0};
    std::thread busy([&] {
        while (!stop) {
            if (rpc.call("Venus.RebuildQueue", json::array())) ++rpc_calls;
        }
    });
    const double load_before = load_average();
    std::vector<double> scrapes, healthz;
    size_t failures = 0, body_bytes = 0;
    const auto period = std::chrono::duration<double>(1.0 / o.rate);
    const uint64_t ticks = static_cast<uint64_t>(o.rate * o.seconds);
    Stopwatch wall;
    auto next = Clock::now();
    for (uint64_t i = 0; i < ticks; ++i) {
        std::this_thread::sleep_until(next);
        next += std::chrono::duration_cast<Clock::duration>(period);
        const double scrape = timed_get(host_port->first, host_port->second, "/metrics", &body_bytes);
        const double health = timed_get(host_port->first, host_port->second, "/healthz", nullptr);
        if (scrape < 0 || health < 0) ++failures;
        if (scrape >= 0) scrapes.push_back(scrape);
        if (health >= 0) healthz.push_back(health);
    }
    const double elapsed = wall.wall_seconds();
    stop = true;
    busy.join();
    if (scrapes.empty() || healthz.empty()) fail("no scrape answered");

    const double p50 = percentile(scrapes, 0.50), p99 = percentile(scrapes, 0.99);
    const double health_p99 = percentile(healthz, 0.99);
    std::printf("/metrics of a manager with %llu queued sectors, %.0f scrapes/s for %.1f s (%zu scrapes, %zu failed)\n",
                static_cast<unsigned long long>(o.sectors), o.rate, elapsed, scrapes.size(), failures);
    std::printf("  scrape  p50 %.3f ms  p99 %.3f ms  max %.3f ms  (%zu bytes)\n", p50, p99, percentile(scrapes, 1.0),
                body_bytes);
    std::printf("  healthz p50 %.3f ms  p99 %.3f ms (the same server's cheapest route: the limit)\n",
                percentile(healthz, 0.50), health_p99);
    std::printf("  %llu RebuildQueue calls ran meanwhile; load average %.2f -> %.2f\n",
                static_cast<unsigned long long>(rpc_calls.load()), load_before, load_average());
    ResultLine line("metrics");
    line.add("sectors", static_cast<double>(o.sectors), 0)
        .add("scrapes", static_cast<double>(scrapes.size()), 0)
        .add("failed", static_cast<double>(failures), 0)
        .add("p50_ms", p50)
        .add("p99_ms", p99)
        .add("healthz_p99_ms", health_p99)
        .add("seconds", elapsed)
        .add("ratio", health_p99 > 0 ? p99 / health_p99 : 0);
    line.print();
}

} // namespace

void add_metrics_bench(CLI::App *bench)
{
    auto &o = metrics_options();
    auto *cmd = bench->add_subcommand("metrics", "p99 of /metrics scrapes on a manager with a full rebuild queue");
    cmd->add_option("--sectors", o.sectors, "Sectors queued for rebuild (default 200)");
    cmd->add_option("--rate", o.rate, "Scrapes per second (default 50)");
    cmd->add_option("--seconds", o.seconds, "How long to scrape (default 10)");
    cmd->add_option("--scratch", o.scratch, "Parent of the scratch manager home");
    cmd->add_flag("--keep", o.keep, "Keep the scratch directory");
    cmd->callback(run_metrics);
}

} // namespace dmc::cli::bench
