// SPDX-License-Identifier: Apache-2.0
//
// JSON-RPC 2.0 request handling, independent of the transport so that it
// can be fuzzed (fuzz/fuzz_manager_rpc.cpp) and unit-tested without
// sockets: a method table, and one request text in, one response text out.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace dmc::service::rpc {

using json = nlohmann::json;

// JSON-RPC error codes: the standard ones plus damocles' application codes.
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;
constexpr int kSectorStateNotFound = 11001; // damocles core/api_error_codes.go
constexpr int kApplicationError = 1;

// Bodies nested deeper than this are refused before parsing (requests and
// responses): nlohmann::json copies and dumps recursively.
constexpr int kMaxNesting = 64;

// Thrown by handlers to answer with a JSON-RPC error.
struct RpcError {
    int code;
    std::string message;
};

using Handler = std::function<json(const json &params)>;

class Dispatcher {
public:
    void add(const std::string &method, Handler handler);
    // Full request text -> response text (always a JSON-RPC response, never
    // throws). Notifications (no id) still get a response here.
    std::string handle(const std::string &body) const;
    bool has(const std::string &method) const { return handlers_.count(method) != 0; }

private:
    std::map<std::string, Handler> handlers_;
};

// True when `text` nests [ / { deeper than `limit` or closes more than it
// opened (brackets inside strings skipped): such bodies are refused before
// any parse.
bool json_nesting_exceeds(std::string_view text, int limit);

} // namespace dmc::service::rpc
