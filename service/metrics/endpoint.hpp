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
#include "service/rpc/http_transport.hpp"

namespace httplib {
class Server;
}

namespace dmc::service::metrics {

// GET /metrics: the process registry in the text format. With a token
// ([metrics] token_file) a scrape needs "Authorization: Bearer <token>";
// without one it is open (the series carry no secret). A scrape only
// formats values kept up to date by the daemon (docs/architecture.md §10).
void mount(httplib::Server &server, std::string token = "");
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
    // host:port (port 0 = any free one), over TLS when `tls` is enabled,
    // behind `token` when it is not empty; logs the address it listens on.
    Status start(const std::string &listen, const rpc::ServerTls &tls = {}, const std::string &token = "");
    const std::string &address() const { return address_; }

private:
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    std::string address_;
};

} // namespace dmc::service::metrics
