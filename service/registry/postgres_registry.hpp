// SPDX-License-Identifier: Apache-2.0
//
// PostgreSQL registry (many machines): several manager processes share one
// database and serve workers at once. Same schema migrations and the same
// contract as the SQLite backend (tests/unit/registry runs one suite on both).
#pragma once

#include <memory>

#include "service/registry/registry_store.hpp"

namespace dmc::service {

class PostgresRegistry final : public RegistryStore {
public:
    // `url`: postgres://… or postgresql://… (libpq URI). Creates and migrates
    // the schema; concurrent first starts are serialized by an advisory lock.
    static Result<std::unique_ptr<PostgresRegistry>> open(const std::string &url);
    ~PostgresRegistry() override;

    std::string backend() const override { return "postgres"; }
    Result<int> schema_version() override;
    Result<ImportOutcome> import_sector(const SectorRecord &record, bool replace) override;
    Result<std::optional<SectorRecord>> get_sector(const SectorKey &key) override;
    Result<std::vector<SectorRecord>> list_sectors(const SectorFilter &filter) override;
    Status set_location(const SectorKey &key, const std::string &store) override;
    Status set_tree_roots(const SectorKey &key, const Bytes32 &comm_c, const Bytes32 &comm_r_last) override;
    Result<bool> mark_for_rebuild(const SectorKey &key, int32_t priority, bool pieces_available, int64_t now) override;
    Result<std::optional<Allocation>> allocate(const AllocationFilter &filter, int64_t now) override;
    Result<ReportOutcome> report_state(const SectorKey &key, uint64_t lease_id, const LatestState &state,
                                       int64_t lease_until) override;
    Status finalize(const SectorKey &key, uint64_t lease_id, const std::string &store) override;
    Status abort(const SectorKey &key, uint64_t lease_id, const std::string &reason) override;
    Result<CancelOutcome> cancel(const SectorKey &key) override;
    Result<std::optional<QueueEntry>> queue_entry(const SectorKey &key) override;
    Result<std::vector<QueueEntry>> list_queue() override;
    Status upsert_worker(const WorkerRecord &worker) override;
    Result<std::vector<WorkerRecord>> list_workers() override;
    Status upsert_store(const PersistStoreRecord &store) override;
    Result<std::vector<PersistStoreRecord>> list_stores() override;
    Result<std::vector<Reservation>> list_reservations() override;
    Status put_reservation(const Reservation &reservation) override;
    Status release_reservation(const SectorKey &key) override;

private:
    PostgresRegistry();
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace dmc::service
