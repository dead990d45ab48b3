// SPDX-License-Identifier: Apache-2.0
//
// Typed calls to lotus-miner (its API is /rpc/v0 only): the sector list, a
// sector's local record (ticket, pieces with fillers, CommD/CommR) and the
// miner's actor address. Errors as in full_node_client.hpp.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "damocles/sdk/result.hpp"
#include "service/chain/id_address.hpp"
#include "service/chain/miner_types.hpp"
#include "service/chain/rpc_client.hpp"

namespace dmc::service::chain {

class MinerClient {
public:
    explicit MinerClient(RpcClient rpc) : rpc_(std::move(rpc)) {}
    // MINER_API_INFO; no path in it means /rpc/v0.
    static Result<MinerClient> from_api_info(std::string_view api_info, RpcOptions options = {});
    static MinerClient from_endpoint(ApiEndpoint endpoint, RpcOptions options = {});

    Result<std::vector<uint64_t>> sectors_list() const;
    // show_on_chain_info: lotus-miner fills SealProof, Activation, Expiration…
    // from StateSectorGetInfo.
    Result<MinerSectorInfo> sectors_status(uint64_t sector_number, bool show_on_chain_info) const;
    Result<IdAddress> actor_address() const;

    const RpcClient &rpc() const { return rpc_; }

private:
    RpcClient rpc_;
};

} // namespace dmc::service::chain
