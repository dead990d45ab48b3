// SPDX-License-Identifier: Apache-2.0
//
// JSON-RPC 2.0 over HTTP POST to a Lotus full node or lotus-miner. Separate
// from the manager/worker client because Lotus' conventions differ: the
// "Filecoin." method prefix, a JWT bearer token, /rpc/v0 vs /rpc/v1, error
// objects sent with HTTP 500, results that may be huge (a chain head) or null.
//
// Every call is bounded: connect timeout, one total deadline for the whole
// exchange (a watchdog stops the socket when it passes, so a server that
// trickles bytes cannot hold a caller; httplib cannot interrupt a connect,
// so a call ends within connect_timeout + total_timeout at worst), a
// response size limit and a JSON nesting limit. Every error names the node
// and the method, e.g.
//   lotus 127.0.0.1:1234: Filecoin.StateSectorGetInfo: 401 Unauthorized (check the token)
// Calls are independent (one connection each) and may run concurrently.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "damocles/sdk/result.hpp"
#include "service/chain/api_info.hpp"
#include "service/chain/rpc_envelope.hpp"

namespace httplib {
struct Response;
}

namespace dmc::service::chain {

inline constexpr size_t kDefaultMaxResponseBytes = size_t(64) << 20;

struct RpcOptions {
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds total_timeout{std::chrono::seconds(60)};
    size_t max_response_bytes = kDefaultMaxResponseBytes;
    int max_json_depth = kDefaultMaxJsonDepth;
    bool verify_tls = true;   // https: check the server certificate
    std::string ca_cert_path; // https: a CA bundle; empty = the system's
};

class RpcClient {
public:
    // node_kind names the node in errors: "lotus", "lotus-miner".
    RpcClient(std::string node_kind, ApiEndpoint endpoint, RpcOptions options = {});

    // Calls Filecoin.<method> (the prefix is added unless present) and returns
    // the "result" member, null included. A JSON-RPC error object becomes an
    // error carrying its code and message.
    Result<nlohmann::json> call(std::string_view method, const nlohmann::json &params) const;

    // call(), then `decode` on the result; a decoder error becomes
    // "<node>: <method>: malformed response: <field>: <what>".
    template <class Decode>
    auto call_decoded(std::string_view method, const nlohmann::json &params, Decode decode) const
        -> decltype(decode(nlohmann::json()))
    {
        auto result = call(method, params);
        if (!result) return result.error();
        auto decoded = decode(*result);
        if (!decoded) return call_error(method, decoded.error().context("malformed response"));
        return decoded;
    }

    // Prefixes "<node>: <Filecoin.method>: " (what every error of a call says).
    Error call_error(std::string_view method, const Error &error) const;

    // "lotus 127.0.0.1:1234"
    const std::string &node_name() const { return node_name_; }
    const ApiEndpoint &endpoint() const { return endpoint_; }
    const RpcOptions &options() const { return options_; }

private:
    // The JSON-RPC answer in `response` (status, error object, result).
    Result<nlohmann::json> read_answer(std::string_view method, const httplib::Response &response,
                                       const std::string &body, uint64_t id) const;

    std::string node_name_;
    ApiEndpoint endpoint_;
    RpcOptions options_;
    // Shared so that copies of a client keep distinct request ids.
    std::shared_ptr<std::atomic<uint64_t>> next_id_;
};

} // namespace dmc::service::chain
