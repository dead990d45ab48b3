// SPDX-License-Identifier: Apache-2.0
//
// The HTTP transport every daemon and client of this project shares: an
// endpoint ("host:port", "http://host:port" or "https://host:port"), an
// httplib server that speaks TLS when it is given a certificate and key, and
// an httplib client that checks the server's certificate against a CA file.
// One place for it, so that the manager's RPC and piece store, the worker's
// admin API, the /metrics endpoints and every client agree
// (docs/architecture.md §8.10).
#pragma once

#include <memory>
#include <string>

#include "damocles/sdk/result.hpp"

namespace httplib {
class Server;
class Client;
enum class Error;
} // namespace httplib

namespace dmc::service::rpc {

// Where a server listens or a client connects.
struct HttpEndpoint {
    std::string scheme = "http"; // "http" or "https"
    std::string host;
    int port = 0;
    bool tls() const { return scheme == "https"; }
    // "https://host:port" (brackets around an IPv6 host).
    std::string origin() const;
};

// "host:port", "http://host:port[/path]", "https://host[:port]"; a missing
// port is `default_port` (negative: the scheme's, 80 or 443). Any other
// scheme is refused with its name.
Result<HttpEndpoint> parse_endpoint(const std::string &address, int default_port);

// A server's certificate chain and private key, both PEM files; both empty =
// plain HTTP. A self-signed certificate is its own CA: clients trust it by
// naming the same file as their CA file.
struct ServerTls {
    std::string cert_file;
    std::string key_file;
    bool enabled() const { return !cert_file.empty() || !key_file.empty(); }
};

// Both or neither set, both readable, the key matching the certificate.
// `where` names the config keys in the message ("[rpc] tls_cert/tls_key").
Status check_server_tls(const ServerTls &tls, const std::string &where);

// An httplib::Server, or an httplib::SSLServer when `tls` is enabled.
Result<std::unique_ptr<httplib::Server>> make_http_server(const ServerTls &tls, const std::string &where);

// An httplib client for `endpoint`. With https the server's certificate
// (and its host name or IP address) is verified against `ca_file`, or
// against the system's CAs when `ca_file` is empty.
std::unique_ptr<httplib::Client> make_http_client(const HttpEndpoint &endpoint, const std::string &ca_file);

// One line for a failed request: what failed and, for TLS, what to do
// ("the server certificate is not trusted (self signed certificate): give
// the CA file with --ca-file or ca_file").
std::string describe_http_error(httplib::Error error, const HttpEndpoint &endpoint, const httplib::Client &client);

} // namespace dmc::service::rpc
