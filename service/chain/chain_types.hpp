// SPDX-License-Identifier: Apache-2.0
//
// What the chain (a Lotus full node) knows about a sector, as the decoders of
// full_node_decode.hpp return it. Only the fields a rebuild or an import
// needs are kept; CIDs are kept as text and, for commitments, as bytes.
// Epochs are signed (abi.ChainEpoch is int64; -1 means "none" upstream).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "damocles/sdk/hex.hpp"
#include "service/chain/id_address.hpp"
#include "service/chain/lotus_encoding.hpp"

namespace dmc::service::chain {

struct TipSet {
    TipSetKey key; // Cids
    int64_t height = 0;
};

// Which generation of miner.SectorOnChainInfo the node sent. Tests and
// importers care: only the older ones still carry DealIDs.
enum class SectorInfoShape {
    current,        // Flags and DailyFee, no DealIDs (FIP-0100 and later)
    deal_ids_flags, // DealIDs with PowerBaseEpoch and Flags
    deal_ids_qa,    // DealIDs with ReplacedSectorAge and SimpleQAPower
};

// Filecoin.StateSectorGetInfo
struct SectorOnChainInfo {
    uint64_t sector_number = 0;
    uint64_t seal_proof = 0;
    std::string sealed_cid; // SealedCID: the current CommR
    Bytes32 comm_r{};
    std::optional<std::string> sector_key_cid; // SectorKeyCID: the CommR before a SnapDeals upgrade
    std::optional<Bytes32> comm_r_old;
    int64_t activation = 0;
    int64_t expiration = 0;
    std::optional<std::vector<uint64_t>> deal_ids; // only older nodes send DealIDs
    std::optional<uint64_t> flags;
    std::optional<int64_t> power_base_epoch;
    std::string deal_weight; // big ints, decimal; "" when absent
    std::string verified_deal_weight;
    std::string initial_pledge;
    SectorInfoShape shape = SectorInfoShape::current;
};

// Filecoin.StateSectorPreCommitInfo (its Info, plus the top-level epoch)
struct SectorPreCommitInfo {
    uint64_t seal_proof = 0;
    uint64_t sector_number = 0;
    std::string sealed_cid;
    Bytes32 comm_r{};
    int64_t seal_rand_epoch = 0; // the ticket's epoch
    std::vector<uint64_t> deal_ids;
    int64_t expiration = 0;
    std::optional<std::string> unsealed_cid; // UnsealedCid: CommD; absent on old nodes, null for CC
    std::optional<Bytes32> comm_d;
    std::optional<int64_t> precommit_epoch;
    std::string precommit_deposit; // big int, decimal; "" when absent
};

// Filecoin.StateMarketStorageDeal
struct MarketDeal {
    std::string piece_cid; // Proposal.PieceCID (CommP)
    Bytes32 comm_p{};
    uint64_t piece_size = 0; // Proposal.PieceSize: padded, a power of two
    bool verified_deal = false;
    std::string client;   // Proposal.Client / Provider: any address
    std::string provider; // protocol (deals keep what the client signed)
    int64_t start_epoch = 0;
    int64_t end_epoch = 0;
    std::optional<uint64_t> sector_number; // State.SectorNumber: newer nodes only
    int64_t sector_start_epoch = -1;
    int64_t last_updated_epoch = -1;
    int64_t slash_epoch = -1;
};

} // namespace dmc::service::chain
