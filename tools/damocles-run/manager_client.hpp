// SPDX-License-Identifier: Apache-2.0
//
// How manager CLI commands reach the daemon: the global --home (default
// ~/.damocles-manager, env DAMOCLES_MANAGER_HOME) holds `api` and `token`;
// an https manager is trusted through [rpc] tls_cert of its config.toml, or
// the CA given by the global --ca-file.
#pragma once

#include <string>

#include "service/rpc/json_rpc.hpp"

namespace dmc::cli {

std::string default_manager_home();
// Fails the command (exit 1) with a clear line when the daemon is not known.
service::rpc::Client manager_client(const std::string &home, const std::string &ca_file = "",
                                    int timeout_seconds = 120);

} // namespace dmc::cli
