// SPDX-License-Identifier: Apache-2.0
#include "service/rpc/json_rpc.hpp"

#include <httplib.h>

#include "service/rpc/bearer_auth.hpp"
#include "service/rpc/http_transport.hpp"

namespace dmc::service::rpc {

void mount(httplib::Server &server, std::shared_ptr<const Dispatcher> dispatcher, std::string token,
           size_t max_body_bytes)
{
    server.set_payload_max_length(max_body_bytes);
    server.Post("/rpc/v0", require_bearer_token(
                               std::move(token),
                               [dispatcher](const httplib::Request &req, httplib::Response &res) {
                                   res.set_content(dispatcher->handle(req.body), "application/json");
                               },
                               true));
}

Result<std::pair<std::string, int>> parse_host_port(const std::string &address, int default_port)
{
    HttpEndpoint ep;
    DMC_TRY_ASSIGN(ep, parse_endpoint(address, default_port));
    return std::make_pair(ep.host, ep.port);
}

Client::Client(std::string address, std::string token, int timeout_seconds, std::string ca_file)
    : address_(std::move(address)), token_(std::move(token)), timeout_(timeout_seconds), ca_file_(std::move(ca_file))
{
}

Result<json> Client::call(const std::string &method, const json &params) const
{
    HttpEndpoint endpoint;
    DMC_TRY_ASSIGN(endpoint, parse_endpoint(address_, 1789));
    uint64_t id;
    {
        std::lock_guard lock(mutex_);
        id = next_id_++;
    }
    auto cli = make_http_client(endpoint, ca_file_);
    cli->set_connection_timeout(5, 0);
    cli->set_read_timeout(timeout_, 0);
    cli->set_write_timeout(timeout_, 0);
    if (!token_.empty()) cli->set_bearer_token_auth(token_.c_str());
    json req = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
    auto res = cli->Post("/rpc/v0", req.dump(), "application/json");
    if (!res) {
        const auto error = res.error();
        const bool tls_problem = error == httplib::Error::SSLServerVerification ||
                                 error == httplib::Error::SSLLoadingCerts || error == httplib::Error::SSLConnection;
        std::string message = describe_http_error(error, endpoint, *cli);
        if (!tls_problem) message += ": is the daemon running?";
        return make_error(tls_problem ? Errc::invalid_argument : Errc::io, message);
    }
    if (res->status == 401) return make_error(Errc::invalid_argument, "unauthorized at " + address_ + ": wrong token");
    if (res->status != 200) return make_error(Errc::io, "HTTP " + std::to_string(res->status) + " from " + address_);
    json resp = json_nesting_exceeds(res->body, kMaxNesting) ? json(json::value_t::discarded)
                                                             : json::parse(res->body, nullptr, false);
    if (resp.is_discarded() || !resp.is_object())
        return make_error(Errc::io, "malformed JSON-RPC response from " + address_);
    if (resp.contains("error") && !resp["error"].is_null()) {
        const auto &e = resp["error"];
        const bool has_message = e.is_object() && e.contains("message") && e["message"].is_string();
        Error err = make_error(Errc::io, has_message ? e["message"].get<std::string>() : "unknown error");
        const int code =
            e.is_object() && e.contains("code") && e["code"].is_number_integer() ? e["code"].get<int>() : 0;
        if (code == kSectorStateNotFound)
            err.code = Errc::not_found;
        else if (code == kInvalidParams || code == kMethodNotFound)
            err.code = Errc::invalid_argument;
        else if (code == kApplicationError)
            err.code = Errc::conflict;
        return err;
    }
    return resp.contains("result") ? resp["result"] : json(nullptr);
}

} // namespace dmc::service::rpc
