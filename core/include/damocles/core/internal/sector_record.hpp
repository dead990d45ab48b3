// SPDX-License-Identifier: Apache-2.0
//
// The sector record (docs/file-formats.md §8): what is known about one sector —
// the truth a rebuild is checked against (proof, ticket, pieces, CommD/CommR,
// snap info), where its files live and its lifecycle flags. It is the data
// model of the import format (sector_json.hpp), of an offline rebuild
// (framework.hpp) and of the service's registry. Plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "damocles/sdk/hex.hpp"

namespace dmc::core {

struct SectorKey {
    uint64_t miner = 0;
    uint64_t number = 0;
    bool operator==(const SectorKey &) const = default;
    auto operator<=>(const SectorKey &) const = default;
};

// "s-t0<M>-<N>" (always t0, as damocles does, even on mainnet).
std::string sector_id_string(const SectorKey &key);

struct PieceRecord {
    std::string cid;                   // piece CID (baga6ea4seaq…)
    uint64_t size = 0;                 // padded size, a power of two
    uint64_t offset = 0;               // padded offset in the sector
    std::optional<uint64_t> deal_id;   // builtin-market deal id; none = filler/DDO-less piece
    std::optional<std::string> source; // file:///…, http(s)://…, or none
    bool operator==(const PieceRecord &) const = default;
};

struct SnapRecord {
    std::string proof;                     // registered update proof name
    std::optional<std::string> comm_d_new; // CIDs; absent = public info unavailable
    std::optional<std::string> comm_r_new;
    std::vector<PieceRecord> pieces;
    bool operator==(const SnapRecord &) const = default;
};

// The last state a worker reported (damocles LatestState + our progress).
struct LatestState {
    std::string worker_instance;
    std::string worker_location;
    std::string prev, next, event;
    std::string failure_level; // "" when none; "Temporary", "Permanent", ...
    std::string failure_desc;
    double progress = 0;       // 0..1
    int64_t eta_seconds = -1;  // -1 unknown
    std::string stage;         // heaviest running stage ("pc1", "tree_c", ...), "" when idle
    double rate_mib_s = 0;     // sector bytes covered per second so far, 0 unknown
    std::string pieces_source; // where the rebuild takes its pieces from, "" = none needed
    int64_t updated_at = 0;    // unix seconds
    bool operator==(const LatestState &) const = default;
};

struct SectorRecord {
    SectorKey key;
    uint64_t proof_id = 0;         // RegisteredSealProof
    std::optional<Bytes32> ticket; // none = invalid ticket info
    int64_t ticket_epoch = 0;
    std::string comm_d; // registered CIDs (the truth)
    std::string comm_r;
    std::optional<Bytes32> comm_c; // from the seal, import or a p_aux
    std::optional<Bytes32> comm_r_last;
    std::vector<PieceRecord> pieces; // empty = committed capacity
    bool upgraded = false;           // snap flag (decides snap vs not, R6)
    std::optional<SnapRecord> snap;
    std::string store; // persist store holding the files
    // Keep an unsealed copy (lotus KeepUnsealed, curio requested_keep_data):
    // every rebuild of the sector also writes unsealed/<id> (file-formats §1.1).
    bool keep_unsealed = false;
    // Lifecycle (damocles semantics; "online" = in the online store, i.e. a
    // task is queued or running for it).
    bool online = false;
    bool need_rebuild = false;
    bool finalized = true;
    bool removed = false;
    std::string abort_reason;
    std::optional<LatestState> latest;
    int64_t updated_at = 0;
    // The chain height at which `--lotus` last confirmed the registered
    // CommR (and sector key) against the chain; none = never. Registry
    // metadata, not part of the import format.
    std::optional<int64_t> chain_checked_epoch;
};

} // namespace dmc::core
