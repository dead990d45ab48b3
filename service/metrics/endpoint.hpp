// SPDX-License-Identifier: Apache-2.0
//
// GET /metrics of the manager and worker daemons (the process registry in
// the text format of prometheus.hpp), and HTTP status counts (wrong tokens
// and oversize bodies never reach a handler).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "damocles/sdk/result.hpp"

namespace httplib {
class Server;
}

namespace dmc::service::metrics {

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

} // namespace dmc::service::metrics
