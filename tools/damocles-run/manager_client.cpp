// SPDX-License-Identifier: Apache-2.0
#include "manager_client.hpp"

#include <cstdlib>

#include "cli_common.hpp"
#include "damocles/core/manager_daemon.hpp"

namespace dmc::cli {

std::string default_manager_home()
{
    if (const char *h = std::getenv("DAMOCLES_MANAGER_HOME"); h && *h) return h;
    const char *home = std::getenv("HOME");
    return std::string(home && *home ? home : ".") + "/.damocles-manager";
}

core::rpc::Client manager_client(const std::string &home)
{
    auto ep = core::read_manager_endpoint(home);
    if (!ep) fail(ep.error().message);
    return core::rpc::Client(ep->address, ep->token, 120);
}

} // namespace dmc::cli
