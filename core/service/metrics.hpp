// SPDX-License-Identifier: Apache-2.0
//
// Metrics glue of the manager and worker daemons: GET /metrics, method
// tables whose handlers count calls, errors and durations, and HTTP status
// counts (wrong tokens and oversize bodies never reach a handler).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "damocles/core/json_rpc.hpp"
#include "damocles/core/metrics.hpp"
#include "damocles/core/registry_store.hpp"

namespace dmc::core::metrics {

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

// GET /metrics: the process registry in the text format. No token: the
// series carry no secret and scrapers are configured per address.
void mount(httplib::Server &server);
// dmc_http_responses_total{daemon, code} from the server's access logger.
void count_http_responses(httplib::Server &server, std::string daemon);

// GET /metrics served on an address of its own (the worker's [metrics]
// listen), in a thread stopped when the Endpoint is destroyed.
class Endpoint {
public:
    Endpoint();
    ~Endpoint();
    Endpoint(const Endpoint &) = delete;
    Endpoint &operator=(const Endpoint &) = delete;
    // host:port (port 0 = any free one); logs the address it listens on.
    Status start(const std::string &listen);
    const std::string &address() const { return address_; }

private:
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    std::string address_;
};

// Manager gauges read from the registry at each scrape:
// dmc_rebuild_queue_length, dmc_rebuild_queue_leased (entries under a live
// lease), dmc_manager_workers{state="alive|silent"} (pinged within 2 min or
// not), dmc_manager_threads{state} (sum over alive workers, as damocles'
// thread/count), dmc_registry_up (0 while the registry cannot be read).
[[nodiscard]] ScrapeHook watch_registry(RegistryStore &registry);

// The thread counts a worker reports in its ping (damocles' categories).
struct ThreadCounts {
    uint32_t threads = 0, empty = 0, paused = 0, running = 0, waiting = 0, errors = 0;
};
// dmc_worker_threads{state="total|empty|paused|running|waiting|errors"}
void set_worker_threads(const ThreadCounts &counts);

// Bytes of a sector's files in a store: its cache directory, and the
// replica unless only the cache was written (cache-only repair).
uint64_t persisted_bytes(const std::string &store_root, const std::string &sector_id, bool upgrade, bool with_replica);

} // namespace dmc::core::metrics
