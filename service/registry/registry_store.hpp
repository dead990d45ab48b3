// SPDX-License-Identifier: Apache-2.0
//
// Storage of the registry behind one interface, so that SQLite (embedded
// default) and PostgreSQL (many machines) serve the same callers. Every
// method is one transaction; conditions that must not race (a sector is
// offline before it is queued, a queue entry is leased to one worker) are
// checked inside it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "damocles/sdk/result.hpp"
#include "service/registry/registry_types.hpp"

namespace dmc::service {

// What a worker learns when it reports progress.
struct ReportOutcome {
    bool online = false;           // false: the sector was finalized/aborted meanwhile
    bool lease_valid = false;      // false: another worker holds the task now
    bool cancel_requested = false; // operator asked to cancel
};

enum class CancelOutcome { removed_from_queue, cancel_requested, not_queued };

// A queue entry after its priority changed, and the priority it had.
struct PriorityChange {
    QueueEntry entry;
    int32_t previous_priority = 0;
};

// How a sector is queued (`sectors rebuild` options).
struct RebuildMark {
    int32_t priority = 0;
    bool pieces_available = false;
    bool unsealed = false; // --unsealed
};

class RegistryStore {
public:
    virtual ~RegistryStore() = default;
    virtual std::string backend() const = 0; // "sqlite" / "postgres"
    virtual Result<int> schema_version() = 0;

    // Sectors ------------------------------------------------------------
    // Same values again: unchanged. Different values: conflict error unless
    // `replace`. New: added (offline, finalized, as a proving sector).
    virtual Result<ImportOutcome> import_sector(const SectorRecord &record, bool replace) = 0;
    virtual Result<std::optional<SectorRecord>> get_sector(const SectorKey &key) = 0;
    virtual Result<std::vector<SectorRecord>> list_sectors(const SectorFilter &filter) = 0;
    // Where the sector's files are now (persist store name).
    virtual Status set_location(const SectorKey &key, const std::string &store) = 0;
    // Records comm_c/comm_r_last learnt later (seal output, surviving p_aux).
    virtual Status set_tree_roots(const SectorKey &key, const Bytes32 &comm_c, const Bytes32 &comm_r_last) = 0;
    // The same for many sectors in one transaction (a store check learns
    // them for thousands at once).
    virtual Status set_tree_roots_of(const std::vector<SectorTreeRoots> &roots) = 0;
    // The records of `keys` were confirmed against the chain at `epoch`
    // (docs/architecture.md §14.3); one transaction, every sector must exist.
    virtual Status set_chain_checked(const std::vector<SectorKey> &keys, int64_t epoch) = 0;

    // Rebuild lifecycle --------------------------------------------------
    // Offline -> online with need_rebuild, finalized=false, and queued.
    // Returns false (nothing changed) when the sector is not offline.
    virtual Result<bool> mark_for_rebuild(const SectorKey &key, const RebuildMark &mark, int64_t now) = 0;
    Result<bool> mark_for_rebuild(const SectorKey &key, int32_t priority, bool pieces_available, int64_t now)
    {
        return mark_for_rebuild(key, RebuildMark{priority, pieces_available, false}, now);
    }
    // Leases the first allocatable entry (priority desc, then FIFO) whose
    // sector passes the filter; an entry whose lease expired is allocatable.
    virtual Result<std::optional<Allocation>> allocate(const AllocationFilter &filter, int64_t now) = 0;
    // Stores the report and extends the lease when lease_id still matches.
    virtual Result<ReportOutcome> report_state(const SectorKey &key, uint64_t lease_id, const LatestState &state,
                                               int64_t lease_until) = 0;
    // Success: need_rebuild cleared, finalized, offline, location = store,
    // abort reason cleared, queue entry and reservation removed.
    virtual Status finalize(const SectorKey &key, uint64_t lease_id, const std::string &store) = 0;
    // Failure: offline, finalized, need_rebuild kept, reason recorded, queue
    // entry and reservation removed. Deal and snap info are never touched.
    // lease_id 0 = operator action (no lease check).
    virtual Status abort(const SectorKey &key, uint64_t lease_id, const std::string &reason) = 0;
    virtual Result<CancelOutcome> cancel(const SectorKey &key) = 0;
    // Changes the priority of a queued entry in place: its seq, enqueue time
    // and lease (if a worker holds it) stay, so it is never out of the queue.
    // A sector without a queue entry: not_found naming it.
    virtual Result<PriorityChange> set_priority(const SectorKey &key, int32_t priority) = 0;
    virtual Result<std::optional<QueueEntry>> queue_entry(const SectorKey &key) = 0;
    virtual Result<std::vector<QueueEntry>> list_queue() = 0;

    // Workers ------------------------------------------------------------
    virtual Status upsert_worker(const WorkerRecord &worker) = 0;
    virtual Result<std::vector<WorkerRecord>> list_workers() = 0;

    // Persist stores -----------------------------------------------------
    virtual Status upsert_store(const PersistStoreRecord &store) = 0;
    virtual Result<std::vector<PersistStoreRecord>> list_stores() = 0;
    virtual Result<std::vector<Reservation>> list_reservations() = 0;
    // Insert or replace the reservation of one sector.
    virtual Status put_reservation(const Reservation &reservation) = 0;
    virtual Status release_reservation(const SectorKey &key) = 0;
};

// Opens (creating and migrating) a registry: a file path or sqlite:///path
// for SQLite, postgres:// or postgresql:// for PostgreSQL.
Result<std::unique_ptr<RegistryStore>> open_registry(const std::string &location);

} // namespace dmc::service
