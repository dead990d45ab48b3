// SPDX-License-Identifier: Apache-2.0
//
// The transport half of the client (the envelope is rpc_envelope.cpp).
// cpp-httplib (0.11) has per-operation socket timeouts only, so the total
// deadline is a watchdog thread that calls Client::stop() — the one
// cross-thread operation httplib supports — until the request returns.
#include "service/chain/rpc_client.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include <httplib.h>

#include "service/chain/lotus_encoding.hpp"

namespace dmc::service::chain {

using nlohmann::json;

namespace {

constexpr std::string_view kIpv6Placeholder = "ipv6-literal.invalid";

std::string milliseconds_text(std::chrono::milliseconds duration)
{
    if (duration.count() % 1000 == 0) return std::to_string(duration.count() / 1000) + " s";
    return std::to_string(duration.count()) + " ms";
}

// Stops `client` once `deadline` passes, until disarmed.
class Watchdog {
public:
    Watchdog(httplib::Client &client, std::chrono::steady_clock::time_point deadline)
        : client_(client), deadline_(deadline), thread_([this] { run(); })
    {
    }
    ~Watchdog() { disarm(); }
    Watchdog(const Watchdog &) = delete;
    Watchdog &operator=(const Watchdog &) = delete;

    void disarm()
    {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        wake_.notify_all();
        if (thread_.joinable()) thread_.join();
    }
    bool fired() const { return fired_.load(); }

private:
    void run()
    {
        std::unique_lock lock(mutex_);
        if (wake_.wait_until(lock, deadline_, [this] { return done_; })) return;
        fired_ = true;
        // stop() only shuts a socket that is in use; a request between
        // connecting and sending would miss one call, hence the repeat.
        while (!done_) {
            lock.unlock();
            client_.stop();
            lock.lock();
            wake_.wait_for(lock, std::chrono::milliseconds(20), [this] { return done_; });
        }
    }

    httplib::Client &client_;
    std::chrono::steady_clock::time_point deadline_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool done_ = false;
    std::atomic<bool> fired_{false};
    std::thread thread_;
};

std::string transport_failure(httplib::Error error)
{
    switch (error) {
    case httplib::Error::Connection:
        return "connection refused or host unreachable (is the node running and listening there?)";
    case httplib::Error::ConnectionTimeout: return "connect timed out";
    case httplib::Error::Read: return "connection closed before a complete response";
    case httplib::Error::Write: return "connection closed while sending the request";
    case httplib::Error::SSLConnection: return "TLS handshake failed";
    case httplib::Error::SSLLoadingCerts: return "cannot load the CA certificates";
    case httplib::Error::SSLServerVerification: return "TLS certificate verification failed";
    default: return "request failed (" + httplib::to_string(error) + ")";
    }
}

// The httplib client of one call: connect and socket timeouts, no
// redirects, the bearer token, TLS verification. nullopt when httplib cannot
// use the endpoint.
std::optional<httplib::Client> make_http_client(const ApiEndpoint &endpoint, const RpcOptions &options)
{
    // httplib's URL pattern takes bracketed IPv6 literals of digits and
    // colons only, so an IPv6 host is reached through a placeholder name
    // mapped to the address (the Host header still names the real one).
    const bool ipv6 = endpoint.host.find(':') != std::string::npos;
    const std::string connect_host = ipv6 ? std::string(kIpv6Placeholder) : endpoint.host;
    std::optional<httplib::Client> client(std::in_place,
                                          endpoint.scheme + "://" + connect_host + ":" + std::to_string(endpoint.port));
    if (!client->is_valid()) return std::nullopt;
    if (ipv6) client->set_hostname_addr_map({{std::string(kIpv6Placeholder), endpoint.host}});
    client->set_connection_timeout(std::chrono::duration_cast<std::chrono::microseconds>(options.connect_timeout));
    // Socket timeouts as a backstop; the watchdog enforces the total.
    client->set_read_timeout(std::chrono::duration_cast<std::chrono::microseconds>(options.total_timeout));
    client->set_write_timeout(std::chrono::duration_cast<std::chrono::microseconds>(options.total_timeout));
    client->set_keep_alive(false);
    client->set_follow_location(false);
    if (!endpoint.token.empty()) client->set_bearer_token_auth(endpoint.token.c_str());
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
    client->enable_server_certificate_verification(options.verify_tls);
    if (!options.ca_cert_path.empty()) client->set_ca_cert_path(options.ca_cert_path.c_str());
#endif
    return client;
}

// A response body kept up to `limit` bytes: a declared Content-Length over
// the limit is refused before any body byte, a longer stream as it arrives.
struct BoundedBody {
    explicit BoundedBody(size_t max_bytes) : limit(max_bytes) {}

    void attach_to(httplib::Request &request)
    {
        request.response_handler = [this](const httplib::Response &response) {
            return !response.has_header("Content-Length") ||
                   declared_length_fits(response.get_header_value("Content-Length"));
        };
        request.content_receiver = [this](const char *data, size_t length, uint64_t, uint64_t) {
            if (text.size() + length > limit) {
                too_large = true;
                return false;
            }
            text.append(data, length);
            return true;
        };
    }

    bool declared_length_fits(const std::string &declared_text)
    {
        uint64_t declared = 0;
        for (char digit : declared_text) {
            if (digit < '0' || digit > '9') break;
            declared = declared * 10 + static_cast<uint64_t>(digit - '0');
            if (declared > limit) {
                too_large = true;
                return false;
            }
        }
        return true;
    }

    size_t limit;
    std::string text;
    bool too_large = false;
};

// The outcome of sending one request under the total deadline.
struct Exchange {
    httplib::Response response;
    httplib::Error transport_error = httplib::Error::Success;
    bool sent = false;
    bool timed_out = false;
};

Exchange send_with_deadline(httplib::Client &client, httplib::Request &request, std::chrono::milliseconds total)
{
    Exchange exchange;
    Watchdog watchdog(client, std::chrono::steady_clock::now() + total);
    exchange.sent = client.send(request, exchange.response, exchange.transport_error);
    watchdog.disarm();
    exchange.timed_out = watchdog.fired();
    return exchange;
}

} // namespace

RpcClient::RpcClient(std::string node_kind, ApiEndpoint endpoint, RpcOptions options)
    : node_name_(node_kind + " " + endpoint.host_port()), endpoint_(std::move(endpoint)), options_(std::move(options)),
      next_id_(std::make_shared<std::atomic<uint64_t>>(1))
{
}

Error RpcClient::call_error(std::string_view method, const Error &error) const
{
    return error.context(node_name_ + ": " + qualified_method(method));
}

Result<json> RpcClient::call(std::string_view method, const json &params) const
{
    const uint64_t id = next_id_->fetch_add(1);
    auto fail = [&](Errc code, const std::string &what) { return call_error(method, make_error(code, what)); };

    auto client = make_http_client(endpoint_, options_);
    if (!client) return fail(Errc::invalid_argument, "cannot use " + endpoint_.base_url());
    httplib::Request request;
    request.method = "POST";
    request.path = endpoint_.path;
    request.body = build_request(method, params, id);
    request.set_header("Content-Type", "application/json");
    request.set_header("Accept", "application/json");
    request.set_header("Host", endpoint_.host_port());
    BoundedBody body(options_.max_response_bytes);
    body.attach_to(request);

    const Exchange exchange = send_with_deadline(*client, request, options_.total_timeout);
    if (body.too_large)
        return fail(Errc::io, "response larger than " + std::to_string(body.limit) + " bytes (the limit)");
    if (exchange.timed_out)
        return fail(Errc::io, "no answer within " + milliseconds_text(options_.total_timeout) + " (timed out)");
    if (!exchange.sent) {
        std::string what = transport_failure(exchange.transport_error);
        if (exchange.transport_error == httplib::Error::ConnectionTimeout)
            what += " after " + milliseconds_text(options_.connect_timeout);
        return fail(Errc::io, what);
    }
    return read_answer(method, exchange.response, body.text, id);
}

Result<json> RpcClient::read_answer(std::string_view method, const httplib::Response &response, const std::string &body,
                                    uint64_t id) const
{
    auto fail = [&](Errc code, const std::string &what) { return call_error(method, make_error(code, what)); };
    const int status = response.status;
    if (status == 401)
        return fail(Errc::invalid_argument, endpoint_.token.empty() ? "401 Unauthorized (no token given)"
                                                                    : "401 Unauthorized (check the token)");
    if (status == 403) return fail(Errc::invalid_argument, "403 Forbidden (check the token's permissions)");
    // go-jsonrpc answers errors with 200, 400 and 500, an error object in the
    // body each time: read it whenever it parses.
    auto parsed = parse_rpc_response(body, id, options_.max_json_depth);
    if (parsed.ok() && parsed->error) return call_error(method, rpc_error_to_error(*parsed->error));
    if (status != 200) {
        std::string what = "HTTP " + std::to_string(status);
        if (!response.reason.empty()) what += " " + printable_excerpt(response.reason, 60);
        if (!body.empty()) what += ": " + printable_excerpt(body, 200);
        return fail(Errc::io, what);
    }
    if (!parsed) return fail(Errc::corrupt, "malformed response: " + parsed.error().message);
    return std::move(parsed->result);
}

} // namespace dmc::service::chain
