// SPDX-License-Identifier: Apache-2.0
//
// How manager CLI commands reach the daemon: the global --home (default
// ~/.damocles-manager, env DAMOCLES_MANAGER_HOME) holds `api` and `token`.
#pragma once

#include <string>

#include "service/rpc/json_rpc.hpp"

namespace dmc::cli {

std::string default_manager_home();
// Fails the command (exit 1) with a clear line when the daemon is not known.
service::rpc::Client manager_client(const std::string &home, int timeout_seconds = 120);

} // namespace dmc::cli
