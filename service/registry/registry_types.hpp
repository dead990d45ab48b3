// SPDX-License-Identifier: Apache-2.0
//
// What the manager's registry keeps besides the sector records (core's
// sector_record.hpp): the rebuild queue with its leases, workers, persist
// stores and space reservations. Plain data; storage backends live behind
// RegistryStore (registry_store.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "damocles/core/internal/sector_record.hpp"

namespace dmc::service {

// The registry's vocabulary is core's sector record.
using core::LatestState;
using core::PieceRecord;
using core::sector_id_string;
using core::SectorKey;
using core::SectorRecord;
using core::SnapRecord;

// Rebuild queue entry: FIFO within priority (higher first), leased to a
// worker until lease_expires; an expired lease is allocatable again.
struct QueueEntry {
    SectorKey key;
    int32_t priority = 0;
    uint64_t seq = 0; // enqueue order
    int64_t enqueued_at = 0;
    bool pieces_available = false;
    std::string lease_worker; // "" = not leased
    std::string lease_location;
    uint64_t lease_id = 0; // changes on every allocation
    int64_t lease_expires = 0;
    uint32_t allocations = 0;
    bool cancel_requested = false;
    bool unsealed = false; // queued with --unsealed: the unsealed copy is wanted
};

struct AllocationFilter {
    std::vector<uint64_t> allowed_miners; // empty = any
    std::vector<uint64_t> allowed_proofs; // empty = any
    std::string worker;                   // worker instance name
    std::string location;                 // sealing thread location
    int64_t lease_seconds = 600;
    bool unsealed_only = false; // an unseal thread: entries queued with --unsealed
};

struct Allocation {
    SectorRecord sector;
    QueueEntry entry;
};

struct WorkerRecord {
    std::string name;
    std::string address; // admin RPC host:port
    std::string version;
    int64_t last_ping = 0;
    uint32_t threads = 0, empty = 0, paused = 0, running = 0, waiting = 0, errors = 0;
    std::string threads_json; // per-thread rows as the worker reported them
};

struct PersistStoreRecord {
    std::string name;
    std::string path;
    uint32_t weight = 1;
    bool read_only = false;
    std::vector<uint64_t> allow_miners;
    std::vector<uint64_t> deny_miners;
    bool operator==(const PersistStoreRecord &) const = default;
};

struct Reservation {
    std::string store;
    SectorKey key;
    uint64_t size = 0;
    int64_t at = 0;
};

struct SectorFilter {
    std::optional<bool> online; // none = both
    std::optional<uint64_t> miner;
    std::optional<std::string> store;
};

enum class ImportOutcome { added, unchanged, replaced };

// comm_c/comm_r_last of one sector, learnt after its import.
struct SectorTreeRoots {
    SectorKey key;
    Bytes32 comm_c{};
    Bytes32 comm_r_last{};
};

} // namespace dmc::service
