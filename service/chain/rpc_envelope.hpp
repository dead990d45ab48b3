// SPDX-License-Identifier: Apache-2.0
//
// The JSON-RPC 2.0 envelope as Lotus (go-jsonrpc) speaks it, apart from the
// transport so that it can be tested and fuzzed without a socket:
//   request  {"jsonrpc":"2.0","method":"Filecoin.<Name>","params":[…],"id":N}
//   response {"jsonrpc":"2.0","result":…,"id":N}
//         or {"jsonrpc":"2.0","id":N,"error":{"code":C,"message":"…"}}
// go-jsonrpc sends error objects with HTTP 200 (a method failed), 400
// (invalid request) or 500 (parse error, unknown method, bad params).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "damocles/sdk/result.hpp"

namespace dmc::service::chain {

inline constexpr std::string_view kMethodPrefix = "Filecoin.";
inline constexpr int kDefaultMaxJsonDepth = 64;

// JSON-RPC 2.0 reserved codes (go-jsonrpc uses them; methods use 1 and up).
inline constexpr int kRpcParseError = -32700;
inline constexpr int kRpcInvalidRequest = -32600;
inline constexpr int kRpcMethodNotFound = -32601;
inline constexpr int kRpcInvalidParams = -32602;

// "Filecoin.<method>" unless `method` already has the prefix.
std::string qualified_method(std::string_view method);

std::string build_request(std::string_view method, const nlohmann::json &params, uint64_t id);

// True when `text` opens more than `limit` nested arrays/objects (brackets
// inside strings do not count). Checked before parsing: a hostile body nested
// a million deep must not reach a recursive parser or destructor.
bool json_nesting_exceeds(std::string_view text, int limit);

// An error object of the response, kept with its code.
struct RpcErrorObject {
    int64_t code = 0;
    std::string message;
};

// The decoded response: either a result (possibly null) or an error object.
struct RpcResponse {
    nlohmann::json result;
    std::optional<RpcErrorObject> error;
};

// Parses a response body: JSON, depth-bounded, an object with jsonrpc "2.0",
// the expected id, and exactly one of result / error. Errors say what is
// malformed (Errc::corrupt).
Result<RpcResponse> parse_rpc_response(std::string_view body, uint64_t expected_id,
                                       int max_depth = kDefaultMaxJsonDepth);

// The error for an error object: "JSON-RPC error <code>: <message>", with an
// Errc by code (unknown method: unsupported; bad params: invalid_argument;
// anything else: io).
Error rpc_error_to_error(const RpcErrorObject &error);

} // namespace dmc::service::chain
