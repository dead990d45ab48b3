// SPDX-License-Identifier: Apache-2.0
//
// The series this project records (series.hpp): their names, help texts,
// labels and buckets, and the scrape hooks that mirror live state.
#include "service/metrics/series.hpp"

#include <chrono>
#include <filesystem>

namespace dmc::service::metrics {

namespace {

int64_t steady_ns()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

void observe_stage(std::string_view stage, double seconds, bool ok)
{
    static Family &f = global().histogram("dmc_stage_duration_seconds",
                                          "Duration of one run of a sealing stage (DAG vertex), by outcome",
                                          {"stage", "outcome"}, duration_buckets());
    f.histogram({std::string(stage), ok ? "ok" : "error"}).observe(seconds);
}

void count_rebuild(std::string_view outcome)
{
    static Family &f =
        global().counter("dmc_rebuilds_total",
                         "Rebuild tasks by outcome: finished, failed (permanent), retried (temporary)", {"outcome"});
    f.counter({std::string(outcome)}).inc();
}

void add_persisted_bytes(uint64_t bytes)
{
    static Family &f = global().counter("dmc_persisted_bytes_total", "Bytes of sector files written to persist stores");
    f.counter().inc(static_cast<double>(bytes));
}

void observe_rpc(std::string_view side, std::string_view method, double seconds, bool ok)
{
    static Family &calls = global().counter("dmc_rpc_requests_total", "JSON-RPC calls by method", {"side", "method"});
    static Family &errors = global().counter("dmc_rpc_errors_total", "JSON-RPC calls answered with an error, by method",
                                             {"side", "method"});
    static Family &durations = global().histogram("dmc_rpc_request_duration_seconds", "JSON-RPC call durations",
                                                  {"side", "method"}, duration_buckets());
    std::vector<std::string> labels = {std::string(side), std::string(method)};
    calls.counter(labels).inc();
    if (!ok) errors.counter(labels).inc();
    durations.histogram(labels).observe(seconds);
}

InstrumentedMethods::InstrumentedMethods(rpc::Dispatcher &table, std::string side)
    : table_(table), side_(std::move(side))
{
}

void InstrumentedMethods::add(const std::string &method, rpc::Handler handler)
{
    table_.add(method, [side = side_, method, handler = std::move(handler)](const rpc::json &params) {
        const int64_t started = steady_ns();
        auto seconds = [&] { return static_cast<double>(steady_ns() - started) / 1e9; };
        try {
            rpc::json result = handler(params);
            observe_rpc(side, method, seconds(), true);
            return result;
        } catch (...) {
            observe_rpc(side, method, seconds(), false);
            throw;
        }
    });
}

std::vector<std::pair<std::string, double>> thread_counts_by_state(const ThreadCounts &c)
{
    return {{"total", c.threads},   {"empty", c.empty},     {"paused", c.paused},
            {"running", c.running}, {"waiting", c.waiting}, {"errors", c.errors}};
}

void set_worker_threads(const ThreadCounts &c)
{
    static Family &threads = global().gauge("dmc_worker_threads", "Sealing threads of this worker by state", {"state"});
    for (const auto &[state, value] : thread_counts_by_state(c)) threads.gauge({state}).set(value);
}

uint64_t persisted_bytes(const std::string &store_root, const std::string &sector_id, const core::PersistOptions &opts)
{
    namespace fs = std::filesystem;
    std::error_code ec;
    uint64_t total = 0;
    if (opts.unsealed || opts.unsealed_only)
        if (auto n = fs::file_size(fs::path(store_root) / "unsealed" / sector_id, ec); !ec) total += n;
    if (opts.unsealed_only) return total;
    auto replica = fs::path(store_root) / (opts.upgrade ? "update" : "sealed") / sector_id;
    if (auto n = fs::file_size(replica, ec); !opts.cache_only && !ec) total += n;
    auto cache = fs::path(store_root) / (opts.upgrade ? "update-cache" : "cache") / sector_id;
    for (fs::directory_iterator it(cache, ec), end; !ec && it != end; it.increment(ec)) {
        std::error_code size_ec;
        if (auto n = it->file_size(size_ec); !size_ec && it->is_regular_file(size_ec)) total += n;
    }
    return total;
}

} // namespace dmc::service::metrics
