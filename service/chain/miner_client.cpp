// SPDX-License-Identifier: Apache-2.0
#include "service/chain/miner_client.hpp"

#include "service/chain/miner_decode.hpp"

namespace dmc::service::chain {

using nlohmann::json;

namespace {

constexpr const char *kNodeKind = "lotus-miner";

} // namespace

Result<MinerClient> MinerClient::from_api_info(std::string_view api_info, RpcOptions options)
{
    DMC_TRY_ASSIGN(ApiEndpoint endpoint, parse_api_info(api_info, kMinerRpcPath));
    return from_endpoint(std::move(endpoint), std::move(options));
}

MinerClient MinerClient::from_endpoint(ApiEndpoint endpoint, RpcOptions options)
{
    return MinerClient(RpcClient(kNodeKind, std::move(endpoint), std::move(options)));
}

Result<std::vector<uint64_t>> MinerClient::sectors_list() const
{
    return rpc_.call_decoded("SectorsList", json::array(), decode_sector_numbers);
}

Result<MinerSectorInfo> MinerClient::sectors_status(uint64_t sector_number, bool show_on_chain_info) const
{
    return rpc_.call_decoded("SectorsStatus", json::array({sector_number, show_on_chain_info}),
                             decode_miner_sector_info);
}

Result<IdAddress> MinerClient::actor_address() const
{
    return rpc_.call_decoded("ActorAddress", json::array(), decode_actor_address);
}

} // namespace dmc::service::chain
