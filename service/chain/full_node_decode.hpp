// SPDX-License-Identifier: Apache-2.0
//
// Decoders for the results of the Lotus full-node methods the importers use,
// from the JSON that Lotus writes (field names and nulls as in Lotus'
// api-methods documentation). Each takes the JSON-RPC "result" member and
// returns the record or one Errc::corrupt error naming the field, e.g.
// "SealedCID: expected a CID object {"/": "…"}, got a string".
// Unknown extra fields are ignored (newer nodes add some).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "damocles/sdk/result.hpp"
#include "service/chain/chain_types.hpp"

namespace dmc::service::chain {

// StateSectorGetInfo: null -> nullopt (no such sector in that state). All
// three result generations are read (see SectorInfoShape).
Result<std::optional<SectorOnChainInfo>> decode_sector_on_chain_info(const nlohmann::json &result);

// ChainHead, ChainGetTipSetByHeight: Cids (non-empty) and Height; Blocks ignored.
Result<TipSet> decode_tipset(const nlohmann::json &result);

// StateSectorPreCommitInfo (v1): null -> nullopt (not precommitted there).
Result<std::optional<SectorPreCommitInfo>> decode_precommit_info(const nlohmann::json &result);

// StateGetRandomnessFromTickets / FromBeacon: base64 of exactly 32 bytes.
Result<Bytes32> decode_randomness(const nlohmann::json &result);

// StateMarketStorageDeal.
Result<MarketDeal> decode_market_deal(const nlohmann::json &result);

// StateNetworkName: a non-empty string. StateNetworkVersion: an integer.
Result<std::string> decode_network_name(const nlohmann::json &result);
Result<uint64_t> decode_network_version(const nlohmann::json &result);

// A padded piece size: a power of two, at least 128 bytes.
bool is_padded_piece_size(uint64_t size);

} // namespace dmc::service::chain
