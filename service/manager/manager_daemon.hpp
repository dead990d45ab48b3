// SPDX-License-Identifier: Apache-2.0
//
// `damocles-manager daemon run --home DIR [--listen 127.0.0.1:1789]`:
// JSON-RPC over HTTP on the listen address, bearer token in <home>/token
// (0600, created on first run), the address it listens on in <home>/api.
#pragma once

#include <string>

#include "damocles/sdk/result.hpp"

namespace dmc::service {

struct ManagerDaemonOptions {
    std::string home;
    std::string listen = "127.0.0.1:1789";
};

// Runs until SIGINT/SIGTERM. Returns the error that prevented start-up.
Status run_manager_daemon(const ManagerDaemonOptions &opts);

// The manager a CLI talks to: address from <home>/api ("https://…" when
// TLS is on), token from <home>/token, and for https the CA to trust: the
// certificate named by [rpc] tls_cert in <home>/config.toml.
struct ManagerEndpoint {
    std::string address;
    std::string token;
    std::string ca_file;
};
Result<ManagerEndpoint> read_manager_endpoint(const std::string &home);

} // namespace dmc::service
