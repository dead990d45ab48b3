// SPDX-License-Identifier: Apache-2.0
//
// GET /metrics on the daemons' servers or on an address of its own, and the
// HTTP status counter.
#include "service/metrics/endpoint.hpp"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "service/metrics/prometheus.hpp"
#include "service/rpc/bearer_auth.hpp"
#include "service/rpc/json_rpc.hpp"

namespace dmc::service::metrics {

void mount(httplib::Server &server, std::string token)
{
    server.Get("/metrics",
               rpc::require_bearer_token(std::move(token), [](const httplib::Request &, httplib::Response &res) {
                   res.set_content(global().expose(), "text/plain; version=0.0.4; charset=utf-8");
               }));
}

void count_http_responses(httplib::Server &server, std::string daemon)
{
    static Family &f = global().counter("dmc_http_responses_total",
                                        "HTTP responses by daemon and status (401: bad token, 413: body too large)",
                                        {"daemon", "code"});
    server.set_logger([daemon = std::move(daemon)](const httplib::Request &, const httplib::Response &res) {
        f.counter({daemon, std::to_string(res.status)}).inc();
    });
}

Endpoint::Endpoint() = default;

Endpoint::~Endpoint()
{
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
}

Status Endpoint::start(const std::string &listen, const rpc::ServerTls &tls, const std::string &token)
{
    auto hp = rpc::parse_host_port(listen, 9000);
    if (!hp) return hp.error().context("[metrics] listen");
    DMC_TRY_ASSIGN(server_, rpc::make_http_server(tls, "[metrics] listen"));
    mount(*server_, token);
    int port = hp->second;
    if (port == 0)
        port = server_->bind_to_any_port(hp->first);
    else if (!server_->bind_to_port(hp->first, port))
        port = -1;
    if (port <= 0) return make_error(Errc::io, "cannot listen on " + listen + " for metrics (address in use?)");
    address_ = hp->first + ":" + std::to_string(port);
    thread_ = std::thread([server = server_.get()] { server->listen_after_bind(); });
    spdlog::info("metrics on {}://{}/metrics{}", tls.enabled() ? "https" : "http", address_,
                 token.empty() ? "" : " (bearer token required)");
    return {};
}

} // namespace dmc::service::metrics
