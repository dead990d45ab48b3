// SPDX-License-Identifier: Apache-2.0
//
// JSON-RPC 2.0 over HTTP (cpp-httplib), as the manager and the worker admin
// API speak it: POST /rpc/v0 with a bearer token, methods in damocles'
// namespaces ("Venus.AllocateRebuildSector", "VenusWorker.WorkerList").
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "damocles/sdk/result.hpp"

namespace httplib {
class Server;
}

namespace dmc::service::rpc {

using json = nlohmann::json;

// JSON-RPC error codes: the standard ones plus damocles' application codes.
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;
constexpr int kSectorStateNotFound = 11001;  // damocles core/api_error_codes.go
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

// Method table + request handling, independent of the transport so that it
// can be fuzzed and unit-tested without sockets.
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

// Reads a token file, or creates one (32 random bytes hex, mode 0600).
Result<std::string> load_or_create_token(const std::string &path);

// Mounts `dispatcher` at POST /rpc/v0 on `server`, requiring
// "Authorization: Bearer <token>" (401 otherwise) and bounding bodies.
void mount(httplib::Server &server, std::shared_ptr<const Dispatcher> dispatcher, std::string token,
           size_t max_body_bytes = 64u << 20);

// Client side: one endpoint ("127.0.0.1:1789" or "http://host:port").
class Client {
public:
    Client(std::string address, std::string token, int timeout_seconds = 30);
    // Result = the "result" member; a JSON-RPC error becomes an Error whose
    // message is the server's message (and code in rpc_code()).
    Result<json> call(const std::string &method, const json &params) const;
    const std::string &address() const { return address_; }

private:
    std::string address_, token_;
    int timeout_;
    mutable std::mutex mutex_;
    mutable uint64_t next_id_ = 1;
};

// host:port parsing ("127.0.0.1:1789", "http://h:p", "h" + default port).
Result<std::pair<std::string, int>> parse_host_port(const std::string &address, int default_port);

} // namespace dmc::service::rpc
