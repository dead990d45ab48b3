// SPDX-License-Identifier: Apache-2.0
//
// Metrics glue of the manager and worker daemons: GET /metrics, method
// tables whose handlers count calls, errors and durations, and HTTP status
// counts (wrong tokens and oversize bodies never reach a handler).
#pragma once

#include <cstdint>
#include <string>

#include "damocles/core/json_rpc.hpp"
#include "damocles/core/metrics.hpp"

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

// Bytes of a sector's files in a store (replica + cache directory).
uint64_t persisted_bytes(const std::string &store_root, const std::string &sector_id, bool upgrade);

} // namespace dmc::core::metrics
