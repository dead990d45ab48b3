// SPDX-License-Identifier: Apache-2.0
//
// The registry over SQL, for every backend (docs/architecture.md §7): the
// import policy, the lifecycle flags of §7.2, the queue and its leases of
// §7.3, workers, stores and reservations of §7.4 are written once here; a
// SqlDialect (sqlite_dialect.cpp, postgres_dialect.cpp) supplies connections,
// transactions and row locks (§7.5).
//
// Every RegistryStore method is one transaction. Conditions that must not
// race are checked inside a write transaction, on rows read with the
// dialect's lock clause:
// * "offline before queued": mark_for_rebuild's conditional UPDATE;
// * "leased to this task": report_state, finalize, abort, cancel and
//   set_priority read the queue row locked, so they are serialized with a
//   re-allocation (set_priority changes only the priority, never the lease);
// * "one holder at a time": allocate locks the first allocatable row, takes
//   a fresh lease id from the `counters` row (updated last, so that its row
//   lock is held only until COMMIT) and writes the lease.
// Whenever a queue entry is removed (finalize, abort, cancel), the sector's
// space reservation goes with it.
//
// Files: sql_registry.cpp (opening, migrations), sql_registry_sectors.cpp
// (sector records), sql_registry_queue.cpp (rebuild lifecycle and queue),
// sql_registry_admin.cpp (workers, persist stores, reservations).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "service/registry/registry_store.hpp"
#include "service/registry/sql_dialect.hpp"

namespace dmc::service {

class SqlRegistry final : public RegistryStore {
public:
    // Creates the schema or migrates it to the latest version.
    static Result<std::unique_ptr<SqlRegistry>> open(std::unique_ptr<SqlDialect> dialect);

    std::string backend() const override { return dialect_->name(); }
    Result<int> schema_version() override;
    Result<ImportOutcome> import_sector(const SectorRecord &record, bool replace) override;
    Result<std::optional<SectorRecord>> get_sector(const SectorKey &key) override;
    Result<std::vector<SectorRecord>> list_sectors(const SectorFilter &filter) override;
    Status set_location(const SectorKey &key, const std::string &store) override;
    Status set_tree_roots(const SectorKey &key, const Bytes32 &comm_c, const Bytes32 &comm_r_last) override;
    Status set_tree_roots_of(const std::vector<SectorTreeRoots> &roots) override;
    Status set_chain_checked(const std::vector<SectorKey> &keys, int64_t epoch) override;
    using RegistryStore::mark_for_rebuild;
    Result<bool> mark_for_rebuild(const SectorKey &key, const RebuildMark &mark, int64_t now) override;
    Result<std::optional<Allocation>> allocate(const AllocationFilter &filter, int64_t now) override;
    Result<ReportOutcome> report_state(const SectorKey &key, uint64_t lease_id, const LatestState &state,
                                       int64_t lease_until) override;
    Status finalize(const SectorKey &key, uint64_t lease_id, const std::string &store) override;
    Status abort(const SectorKey &key, uint64_t lease_id, const std::string &reason) override;
    Result<CancelOutcome> cancel(const SectorKey &key) override;
    Result<PriorityChange> set_priority(const SectorKey &key, int32_t priority) override;
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
    explicit SqlRegistry(std::unique_ptr<SqlDialect> dialect) : dialect_(std::move(dialect)) {}

    // One transaction whose body computes a value; the value of the attempt
    // that committed is returned (a retried body starts from scratch).
    template <class T, class Body> Result<T> transact_value(TxMode mode, Body &&body);
    // Every row `sql` selects, decoded, in one snapshot.
    template <class Record, class Decode> Result<std::vector<Record>> read_all(const std::string &sql, Decode decode);

    // sql_registry.cpp
    Status migrate();

    // sql_registry_sectors.cpp: steps inside a transaction.
    // The sector with its pieces and snap info; `lock` takes its row lock.
    Result<std::optional<SectorRecord>> load_sector(SqlConnection &connection, const SectorKey &key, bool lock);
    Status write_sector(SqlConnection &connection, const SectorRecord &sector);
    Status delete_sector(SqlConnection &connection, const SectorKey &key);
    // UPDATE sectors SET <assignments> (their `?` take `values`) and
    // updated_at = now; "sector … not found" when there is no such sector.
    Status update_sector(SqlConnection &connection, const SectorKey &key, const std::string &assignments,
                         std::vector<SqlValue> values);

    // sql_registry_queue.cpp: steps inside a transaction.
    Result<std::optional<QueueEntry>> load_queue_entry(SqlConnection &connection, const SectorKey &key, bool lock);
    // The locked queue entry when it carries `lease_id`; a conflict otherwise.
    Result<QueueEntry> require_lease(SqlConnection &connection, const SectorKey &key, uint64_t lease_id);
    // Offline and finalized again (success, failure or cancel): `assignments`
    // add what differs; the queue entry and the reservation are removed.
    Status take_offline(SqlConnection &connection, const SectorKey &key, const std::string &assignments,
                        std::vector<SqlValue> values);
    Result<int64_t> next_counter(SqlConnection &connection, const char *name);

    std::unique_ptr<SqlDialect> dialect_;
};

template <class T, class Body>

Result<T> SqlRegistry::transact_value(TxMode mode, Body &&body)
{
    std::optional<T> value;
    DMC_TRY_VOID(dialect_->transact(mode, [&](SqlConnection &connection) -> Status {
        value.reset();
        Result<T> attempt = body(connection);
        if (!attempt) return attempt.error();
        value = std::move(*attempt);
        return {};
    }));
    return std::move(*value);
}

template <class Record, class Decode>
Result<std::vector<Record>> SqlRegistry::read_all(const std::string &sql, Decode decode)
{
    auto read = [&](SqlConnection &connection) -> Result<std::vector<Record>> {
        SqlRows rows;
        DMC_TRY_ASSIGN(rows, connection.query(sql));
        std::vector<Record> records;
        records.reserve(rows.rows.size());
        for (const SqlRow &row : rows.rows) records.push_back(decode(row));
        return records;
    };
    return transact_value<std::vector<Record>>(TxMode::read_snapshot, read);
}

// Seconds since the Unix epoch (updated_at, cancel's lease check).
int64_t registry_now_seconds();

} // namespace dmc::service
