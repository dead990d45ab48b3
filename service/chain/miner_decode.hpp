// SPDX-License-Identifier: Apache-2.0
//
// Decoders for the lotus-miner methods the importers use (lotus api.SectorInfo
// and friends), from the JSON lotus-miner writes. Same contract as
// full_node_decode.hpp: the "result" member in, the record or one
// Errc::corrupt error naming the field out; unknown fields are ignored.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "damocles/sdk/result.hpp"
#include "service/chain/id_address.hpp"
#include "service/chain/miner_types.hpp"

namespace dmc::service::chain {

// SectorsList / SectorsListInStates: sector numbers (null = none).
Result<std::vector<uint64_t>> decode_sector_numbers(const nlohmann::json &result);

// SectorsStatus. Pieces keep their order; DealInfo null marks a filler.
Result<MinerSectorInfo> decode_miner_sector_info(const nlohmann::json &result);

// ActorAddress: the miner's ID address.
Result<IdAddress> decode_actor_address(const nlohmann::json &result);

} // namespace dmc::service::chain
