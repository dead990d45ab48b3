// SPDX-License-Identifier: Apache-2.0
#include "service/chain/full_node_client.hpp"

#include "service/chain/base64.hpp"
#include "service/chain/full_node_decode.hpp"

namespace dmc::service::chain {

using nlohmann::json;

namespace {

constexpr const char *kNodeKind = "lotus";

} // namespace

Result<FullNodeClient> FullNodeClient::from_api_info(std::string_view api_info, RpcOptions options)
{
    DMC_TRY_ASSIGN(ApiEndpoint endpoint, parse_api_info(api_info, kFullNodeRpcPath));
    return from_endpoint(std::move(endpoint), std::move(options));
}

FullNodeClient FullNodeClient::from_endpoint(ApiEndpoint endpoint, RpcOptions options)
{
    return FullNodeClient(RpcClient(kNodeKind, std::move(endpoint), std::move(options)));
}

Result<std::optional<SectorOnChainInfo>>
FullNodeClient::state_sector_get_info(const IdAddress &miner, uint64_t sector_number, const TipSetKey &tsk) const
{
    return rpc_.call_decoded("StateSectorGetInfo",
                             json::array({miner.to_string(), sector_number, tipset_key_json(tsk)}),
                             decode_sector_on_chain_info);
}

Result<std::optional<SectorPreCommitInfo>>
FullNodeClient::state_sector_precommit_info(const IdAddress &miner, uint64_t sector_number, const TipSetKey &tsk) const
{
    return rpc_.call_decoded("StateSectorPreCommitInfo",
                             json::array({miner.to_string(), sector_number, tipset_key_json(tsk)}),
                             decode_precommit_info);
}

Result<TipSet> FullNodeClient::chain_head() const
{
    return rpc_.call_decoded("ChainHead", json::array(), decode_tipset);
}

Result<TipSet> FullNodeClient::chain_get_tipset_by_height(int64_t height, const TipSetKey &tsk) const
{
    return rpc_.call_decoded("ChainGetTipSetByHeight", json::array({height, tipset_key_json(tsk)}), decode_tipset);
}

Result<Bytes32> FullNodeClient::state_get_randomness_from_tickets(int64_t tag, int64_t epoch,
                                                                  std::span<const uint8_t> entropy,
                                                                  const TipSetKey &tsk) const
{
    return rpc_.call_decoded("StateGetRandomnessFromTickets",
                             json::array({tag, epoch, base64_encode(entropy), tipset_key_json(tsk)}),
                             decode_randomness);
}

Result<Bytes32> FullNodeClient::seal_randomness(const IdAddress &miner, int64_t epoch, const TipSetKey &tsk) const
{
    const auto entropy = seal_randomness_entropy(miner.id);
    return state_get_randomness_from_tickets(kTagSealRandomness, epoch, entropy, tsk);
}

Result<MarketDeal> FullNodeClient::state_market_storage_deal(uint64_t deal_id, const TipSetKey &tsk) const
{
    return rpc_.call_decoded("StateMarketStorageDeal", json::array({deal_id, tipset_key_json(tsk)}),
                             decode_market_deal);
}

Result<std::string> FullNodeClient::state_network_name() const
{
    return rpc_.call_decoded("StateNetworkName", json::array(), decode_network_name);
}

Result<uint64_t> FullNodeClient::state_network_version(const TipSetKey &tsk) const
{
    return rpc_.call_decoded("StateNetworkVersion", json::array({tipset_key_json(tsk)}), decode_network_version);
}

} // namespace dmc::service::chain
