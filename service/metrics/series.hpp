// SPDX-License-Identifier: Apache-2.0
//
// The series this project records, in the process registry of
// prometheus.hpp: per-stage durations and outcomes, rebuild outcomes, bytes
// persisted, RPC calls (what damocles lacks or names differently,
// docs/architecture.md §10), and the gauges the daemons mirror from live state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "damocles/core/internal/persist.hpp"
#include "service/metrics/prometheus.hpp"
#include "service/rpc/json_rpc.hpp"

namespace dmc::service::metrics {

// dmc_stage_duration_seconds{stage, outcome="ok|error"}   histogram
void observe_stage(std::string_view stage, double seconds, bool ok);
// dmc_rebuilds_total{outcome="finished|failed|retried"}    counter
void count_rebuild(std::string_view outcome);
// dmc_persisted_bytes_total                                counter
void add_persisted_bytes(uint64_t bytes);
// dmc_rpc_requests_total / dmc_rpc_errors_total{side, method}, counter;
// dmc_rpc_request_duration_seconds{side, method}, histogram. side: "server"
// (methods this process serves) or "client" (calls it makes).
void observe_rpc(std::string_view side, std::string_view method, double seconds, bool ok);

// Adds methods to `table` with each handler wrapped so that every call is
// recorded by observe_rpc(side, method, …): a handler that throws (RpcError
// or anything else) counts as an error. Methods added this way need no
// change to be measured.
class InstrumentedMethods {
public:
    InstrumentedMethods(rpc::Dispatcher &table, std::string side);
    void add(const std::string &method, rpc::Handler handler);

private:
    rpc::Dispatcher &table_;
    std::string side_;
};

// The thread counts a worker reports in its ping (damocles' categories).
struct ThreadCounts {
    uint32_t threads = 0, empty = 0, paused = 0, running = 0, waiting = 0, errors = 0;
};
// dmc_worker_threads{state="total|empty|paused|running|waiting|errors"}
void set_worker_threads(const ThreadCounts &counts);
// The counts with their state label values, in the order above.
std::vector<std::pair<std::string, double>> thread_counts_by_state(const ThreadCounts &counts);

// Bytes of the sector's files a persist with `opts` wrote into a store: the
// cache directory, the replica unless only the cache was written (cache-only
// repair), the unsealed copy when one was written.
uint64_t persisted_bytes(const std::string &store_root, const std::string &sector_id, const core::PersistOptions &opts);

} // namespace dmc::service::metrics
