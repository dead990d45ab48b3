// SPDX-License-Identifier: Apache-2.0
//
// JSON-RPC 2.0 over HTTP (cpp-httplib), as the manager and the worker admin
// API speak it: POST /rpc/v0 with a bearer token, methods in damocles'
// namespaces ("Venus.AllocateRebuildSector", "VenusWorker.WorkerList"),
// over http or https (http_transport.hpp). The method table is
// dispatcher.hpp, token files token_file.hpp.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "damocles/sdk/result.hpp"
#include "service/rpc/dispatcher.hpp"
#include "service/rpc/token_file.hpp"

namespace httplib {
class Server;
}

namespace dmc::service::rpc {

// Mounts `dispatcher` at POST /rpc/v0 on `server`, requiring
// "Authorization: Bearer <token>" (401 otherwise; compared in constant
// time) and bounding bodies.
void mount(httplib::Server &server, std::shared_ptr<const Dispatcher> dispatcher, std::string token,
           size_t max_body_bytes = 64u << 20);

// Client side: one endpoint ("127.0.0.1:1789", "http://host:port" or
// "https://host:port"). For https the server's certificate is checked
// against `ca_file` (the system's CAs when empty).
class Client {
public:
    Client(std::string address, std::string token, int timeout_seconds = 30, std::string ca_file = "");
    // Result = the "result" member; a JSON-RPC error becomes an Error whose
    // message is the server's message.
    Result<json> call(const std::string &method, const json &params) const;
    const std::string &address() const { return address_; }
    const std::string &ca_file() const { return ca_file_; }

private:
    std::string address_, token_;
    int timeout_;
    std::string ca_file_;
    mutable std::mutex mutex_;
    mutable uint64_t next_id_ = 1;
};

// host:port parsing ("127.0.0.1:1789", "http://h:p", "https://h:p", "h" +
// default port); the scheme is dropped (parse_endpoint keeps it).
Result<std::pair<std::string, int>> parse_host_port(const std::string &address, int default_port);

} // namespace dmc::service::rpc
