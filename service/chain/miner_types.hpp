// SPDX-License-Identifier: Apache-2.0
//
// What lotus-miner knows about a sector (Filecoin.SectorsStatus, lotus
// api.SectorInfo), as miner_decode.hpp returns it. For a SnapDeals sector
// lotus-miner reports the *original* CommD/CommR with the *new* pieces; the
// new CommR is only on chain (SectorOnChainInfo::sealed_cid).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "damocles/sdk/hex.hpp"

namespace dmc::service::chain {

// The deal side of a piece (api.PieceDealInfo). A piece without one is a
// filler (zeros, never on chain).
struct PieceDealRef {
    uint64_t deal_id = 0; // 0: not a market deal (a DDO piece)
    std::optional<std::string> publish_cid;
    bool has_activation_manifest = false; // PieceActivationManifest set (DDO)
    bool keep_unsealed = false;
};

struct MinerSectorPiece {
    uint64_t padded_size = 0; // Piece.Size (padded, power of two)
    std::string piece_cid;    // Piece.PieceCID (CommP)
    Bytes32 comm_p{};
    std::optional<PieceDealRef> deal; // DealInfo; nullopt = filler

    bool is_filler() const { return !deal.has_value(); }
};

struct SealRandomnessValue {
    std::optional<Bytes32> value; // Value: null or "" before it was drawn
    int64_t epoch = 0;
};

struct MinerSectorInfo {
    uint64_t sector_id = 0;
    std::string state; // "Proving", "Available", "PreCommit1", …
    std::optional<std::string> comm_d_cid;
    std::optional<Bytes32> comm_d;
    std::optional<std::string> comm_r_cid;
    std::optional<Bytes32> comm_r;
    std::vector<uint64_t> deals;          // Deals (null reads as empty)
    std::vector<MinerSectorPiece> pieces; // in sector order, fillers included
    SealRandomnessValue ticket;
    SealRandomnessValue seed;
    bool to_upgrade = false;
    uint64_t seal_proof = 0;
    int64_t activation = 0;
    int64_t expiration = 0;
    int64_t on_time = 0;
    int64_t early = 0;
    std::string last_error; // LastErr
};

} // namespace dmc::service::chain
