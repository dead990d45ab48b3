// SPDX-License-Identifier: Apache-2.0
#include "manager_client.hpp"

#include <cstdlib>

#include "cli_common.hpp"
#include "service/manager/manager_daemon.hpp"

namespace dmc::cli {

std::string default_manager_home()
{
    if (const char *h = std::getenv("DAMOCLES_MANAGER_HOME"); h && *h) return h;
    const char *home = std::getenv("HOME");
    return std::string(home && *home ? home : ".") + "/.damocles-manager";
}

service::rpc::Client manager_client(const std::string &home, const std::string &ca_file, int timeout_seconds)
{
    auto ep = service::read_manager_endpoint(home);
    if (!ep) fail(ep.error().message);
    return service::rpc::Client(ep->address, ep->token, timeout_seconds, ca_file.empty() ? ep->ca_file : ca_file);
}

} // namespace dmc::cli
