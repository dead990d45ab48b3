// SPDX-License-Identifier: Apache-2.0
//
// Typed calls to a Lotus full node: the methods that tell where a lost
// sector's record is (on-chain sector info, precommit, tickets, deals).
// Each returns the decoded record (full_node_decode.hpp) or an error that
// names the node and the method; a result that does not decode is
// "<node>: <method>: malformed response: <field>: <what>".
//
// The ticket of an active sector, for instance (its precommit was deleted at
// prove-commit, but the state of the tipset at Activation still has it):
//   auto tipset = node.chain_get_tipset_by_height(info.activation, {});
//   auto precommit = node.state_sector_precommit_info(miner, number, tipset->key);
//   auto ticket = node.seal_randomness(miner, precommit->seal_rand_epoch, tipset->key);
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "damocles/sdk/result.hpp"
#include "service/chain/chain_types.hpp"
#include "service/chain/rpc_client.hpp"

namespace dmc::service::chain {

class FullNodeClient {
public:
    explicit FullNodeClient(RpcClient rpc) : rpc_(std::move(rpc)) {}
    // FULLNODE_API_INFO; no path in it means /rpc/v1.
    static Result<FullNodeClient> from_api_info(std::string_view api_info, RpcOptions options = {});
    static FullNodeClient from_endpoint(ApiEndpoint endpoint, RpcOptions options = {});

    // null result (no such sector in that state) -> nullopt.
    Result<std::optional<SectorOnChainInfo>> state_sector_get_info(const IdAddress &miner, uint64_t sector_number,
                                                                   const TipSetKey &tsk) const;
    Result<std::optional<SectorPreCommitInfo>>
    state_sector_precommit_info(const IdAddress &miner, uint64_t sector_number, const TipSetKey &tsk) const;
    Result<TipSet> chain_head() const;
    // The tipset at `height`, or the last one before it (null rounds).
    Result<TipSet> chain_get_tipset_by_height(int64_t height, const TipSetKey &tsk) const;
    // 32 bytes of chain randomness for (tag, epoch, entropy).
    Result<Bytes32> state_get_randomness_from_tickets(int64_t tag, int64_t epoch, std::span<const uint8_t> entropy,
                                                      const TipSetKey &tsk) const;
    // The seal ticket: tag 5 (SealRandomness), the miner's address as entropy.
    Result<Bytes32> seal_randomness(const IdAddress &miner, int64_t epoch, const TipSetKey &tsk) const;
    Result<MarketDeal> state_market_storage_deal(uint64_t deal_id, const TipSetKey &tsk) const;
    // Cheap calls that prove the node answers and the token is accepted.
    Result<std::string> state_network_name() const;
    Result<uint64_t> state_network_version(const TipSetKey &tsk) const;

    const RpcClient &rpc() const { return rpc_; }

private:
    RpcClient rpc_;
};

} // namespace dmc::service::chain
