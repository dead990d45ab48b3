// SPDX-License-Identifier: Apache-2.0
#include "lotus_api.hpp"

#include "cli_common.hpp"

namespace dmc::cli {

namespace {

namespace chain = service::chain;

chain::ApiEndpoint endpoint_or_fail(const std::string &option, const std::string &api, const std::string &token,
                                    std::string_view default_path)
{
    // TOKEN:<multiaddr or URL> as Lotus prints it, or a URL with --…token.
    auto endpoint = chain::parse_api_info(api, default_path);
    if (!endpoint) fail_usage(option + ": " + endpoint.error().message);
    if (!token.empty()) {
        if (!endpoint->token.empty() && endpoint->token != token)
            fail_usage(option + ": two different tokens (one in the address, one in the token option)");
        endpoint->token = token;
    }
    if (endpoint->token.empty())
        fail_usage(option + ": no token (give TOKEN:/ip4/…/tcp/…/http, or the URL with its token option)");
    if (auto checked = chain::check_api_token(endpoint->token); !checked)
        fail_usage(option + ": " + checked.error().message);
    return *endpoint;
}

} // namespace

chain::FullNodeClient full_node_or_fail(const std::string &api, const std::string &token)
{
    return chain::FullNodeClient::from_endpoint(endpoint_or_fail("--lotus", api, token, chain::kFullNodeRpcPath));
}

chain::MinerClient miner_node_or_fail(const std::string &api, const std::string &token)
{
    return chain::MinerClient::from_endpoint(endpoint_or_fail("--from-lotus-miner", api, token, chain::kMinerRpcPath));
}

char network_of(const std::string &miner_text)
{
    return !miner_text.empty() && miner_text[0] == chain::kTestnetPrefix ? chain::kTestnetPrefix
                                                                         : chain::kMainnetPrefix;
}

} // namespace dmc::cli
