// SPDX-License-Identifier: Apache-2.0
//
// The rebuild lifecycle (docs/architecture.md §7.2) and the queue with its
// leases (§7.3): mark for rebuild, allocate, report, finalize, abort, cancel,
// and a queued entry's priority.
// Each method is one write transaction; the design notes on what is locked
// and why are at the top of sql_registry.hpp.
#include "service/registry/registry_codec.hpp"
#include "service/registry/registry_columns.hpp"
#include "service/registry/sql_registry.hpp"

namespace dmc::service {

namespace {

// " AND <column> IN (?, …)" for a non-empty list; an empty list allows any.
void append_any_of(std::string &sql, std::vector<SqlValue> &params, const char *column,
                   const std::vector<uint64_t> &allowed)
{
    if (allowed.empty()) return;
    sql += std::string(" AND ") + column + " IN (";
    for (size_t i = 0; i < allowed.size(); ++i) {
        sql += i ? ", ?" : "?";
        params.emplace_back(allowed[i]);
    }
    sql += ")";
}

// The first allocatable entry: unleased or expired, not being cancelled, of a
// sector the worker may take; priority first, then FIFO. Locked with
// `lock_clause` (the dialect's lock_first_free_row_clause for `q`).
Result<std::optional<SectorKey>> pick_allocatable(SqlConnection &connection, const AllocationFilter &filter,
                                                  int64_t now, const std::string &lock_clause)
{
    std::string sql = "SELECT q.miner, q.number FROM rebuild_queue q JOIN sectors s ON s.miner = q.miner AND s.number "
                      "= q.number WHERE (q.lease_worker = '' OR q.lease_expires < ?) AND q.cancel_requested = 0";
    std::vector<SqlValue> params{now};
    append_any_of(sql, params, "q.miner", filter.allowed_miners);
    append_any_of(sql, params, "s.proof", filter.allowed_proofs);
    if (filter.unsealed_only) sql += " AND q.unsealed = 1";
    sql += " ORDER BY q.priority DESC, q.seq ASC LIMIT 1" + lock_clause;
    std::optional<SqlRow> row;
    DMC_TRY_ASSIGN(row, connection.query_row(sql, params));
    if (!row) return std::optional<SectorKey>{};
    return std::optional<SectorKey>(decode_key(*row));
}

} // namespace

Result<int64_t> SqlRegistry::next_counter(SqlConnection &connection, const char *name)
{
    std::optional<SqlRow> row;
    DMC_TRY_ASSIGN(
        row, connection.query_row("UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value", {name}));
    if (!row) return make_error(Errc::internal, std::string("registry counter ") + name + " missing");
    return row->integer(0);
}

Result<std::optional<QueueEntry>> SqlRegistry::load_queue_entry(SqlConnection &connection, const SectorKey &key,
                                                                bool lock)
{
    std::optional<SqlRow> row;
    DMC_TRY_ASSIGN(row, connection.query_row("SELECT " + queue_columns().select() + " FROM rebuild_queue" + kWhereKey +
                                                 (lock ? dialect_->lock_rows_clause() : std::string()),
                                             key_values(key)));
    if (!row) return std::optional<QueueEntry>{};
    return std::optional<QueueEntry>(decode_queue_entry(*row));
}

Result<QueueEntry> SqlRegistry::require_lease(SqlConnection &connection, const SectorKey &key, uint64_t lease_id)
{
    std::optional<QueueEntry> entry;
    DMC_TRY_ASSIGN(entry, load_queue_entry(connection, key, true));
    if (!entry || entry->lease_id != lease_id)
        return make_error(Errc::conflict, "sector " + sector_id_string(key) + " is not leased to this task");
    return std::move(*entry);
}

Status SqlRegistry::take_offline(SqlConnection &connection, const SectorKey &key, const std::string &assignments,
                                 std::vector<SqlValue> values)
{
    DMC_TRY_VOID(update_sector(connection, key, "online = 0, finalized = 1, " + assignments, std::move(values)));
    DMC_TRY_VOID(connection.execute("DELETE FROM rebuild_queue" + kWhereKey, key_values(key)));
    return connection.execute("DELETE FROM reservations" + kWhereKey, key_values(key));
}

Result<bool> SqlRegistry::mark_for_rebuild(const SectorKey &key, const RebuildMark &mark, int64_t now)
{
    return transact_value<bool>(TxMode::write, [&](SqlConnection &connection) -> Result<bool> {
        SqlRows marked;
        DMC_TRY_ASSIGN(marked, connection.query("UPDATE sectors SET online = 1, need_rebuild = 1, finalized = 0, "
                                                "updated_at = ?" +
                                                    kWhereKey + " AND online = 0 AND removed = 0",
                                                join_values({now}, key_values(key))));
        if (marked.affected == 0) return false;
        int64_t seq;
        DMC_TRY_ASSIGN(seq, next_counter(connection, "queue_seq"));
        DMC_TRY_VOID(
            connection.execute("INSERT INTO rebuild_queue (miner, number, priority, seq, enqueued_at, "
                               "pieces_available, unsealed) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               {key.miner, key.number, mark.priority, seq, now, mark.pieces_available, mark.unsealed}));
        return true;
    });
}

Result<std::optional<Allocation>> SqlRegistry::allocate(const AllocationFilter &filter, int64_t now)
{
    using Outcome = std::optional<Allocation>;
    const std::string lock_clause = dialect_->lock_first_free_row_clause("q");
    return transact_value<Outcome>(TxMode::write, [&](SqlConnection &connection) -> Result<Outcome> {
        std::optional<SectorKey> key;
        DMC_TRY_ASSIGN(key, pick_allocatable(connection, filter, now, lock_clause));
        if (!key) return Outcome{};
        std::optional<SectorRecord> sector;
        DMC_TRY_ASSIGN(sector, load_sector(connection, *key, false));
        if (!sector) return make_error(Errc::internal, "queue entry without sector record");
        int64_t lease_id;
        DMC_TRY_ASSIGN(lease_id, next_counter(connection, "lease_id"));
        const std::string worker = filter.worker.empty() ? std::string("?") : filter.worker;
        std::optional<SqlRow> entry;
        DMC_TRY_ASSIGN(entry,
                       connection.query_row("UPDATE rebuild_queue SET lease_worker = ?, lease_location = ?, "
                                            "lease_id = ?, lease_expires = ?, allocations = allocations + 1" +
                                                kWhereKey + " RETURNING " + queue_columns().select(),
                                            join_values({worker, filter.location, lease_id, now + filter.lease_seconds},
                                                        key_values(*key))));
        if (!entry) return make_error(Errc::internal, "queue entry vanished while locked");
        return Outcome(Allocation{std::move(*sector), decode_queue_entry(*entry)});
    });
}

Result<ReportOutcome> SqlRegistry::report_state(const SectorKey &key, uint64_t lease_id, const LatestState &state,
                                                int64_t lease_until)
{
    return transact_value<ReportOutcome>(TxMode::write, [&](SqlConnection &connection) -> Result<ReportOutcome> {
        std::optional<SqlRow> sector;
        DMC_TRY_ASSIGN(sector, connection.query_row("SELECT online FROM sectors" + kWhereKey, key_values(key)));
        if (!sector) return make_error(Errc::not_found, "sector state not found: " + sector_id_string(key));
        std::optional<QueueEntry> entry;
        DMC_TRY_ASSIGN(entry, load_queue_entry(connection, key, true));
        ReportOutcome outcome;
        outcome.online = sector->flag(0);
        outcome.lease_valid = entry && entry->lease_id == lease_id;
        outcome.cancel_requested = entry && entry->cancel_requested;
        // A stale holder's report changes nothing.
        if (!outcome.online || !outcome.lease_valid) return outcome;
        DMC_TRY_VOID(update_sector(connection, key, "latest_state = ?", {codec::latest_state_json(state)}));
        DMC_TRY_VOID(connection.execute("UPDATE rebuild_queue SET lease_expires = ?" + kWhereKey,
                                        join_values({lease_until}, key_values(key))));
        return outcome;
    });
}

Status SqlRegistry::finalize(const SectorKey &key, uint64_t lease_id, const std::string &store)
{
    return dialect_->transact(TxMode::write, [&](SqlConnection &connection) -> Status {
        DMC_TRY_VOID(require_lease(connection, key, lease_id));
        // Success clears need_rebuild and an earlier failure's reason.
        return take_offline(connection, key, "need_rebuild = 0, abort_reason = '', store = ?", {store});
    });
}

Status SqlRegistry::abort(const SectorKey &key, uint64_t lease_id, const std::string &reason)
{
    return dialect_->transact(TxMode::write, [&](SqlConnection &connection) -> Status {
        std::optional<SqlRow> sector;
        DMC_TRY_ASSIGN(sector,
                       connection.query_row("SELECT online FROM sectors" + kWhereKey + dialect_->lock_rows_clause(),
                                            key_values(key)));
        if (!sector) return make_error(Errc::not_found, "sector state not found: " + sector_id_string(key));
        // lease_id 0: an operator's action, whoever holds the lease.
        if (lease_id != 0) DMC_TRY_VOID(require_lease(connection, key, lease_id));
        // need_rebuild stays, and deal and snap info are never touched.
        return take_offline(connection, key, "abort_reason = ?", {reason});
    });
}

Result<CancelOutcome> SqlRegistry::cancel(const SectorKey &key)
{
    return transact_value<CancelOutcome>(TxMode::write, [&](SqlConnection &connection) -> Result<CancelOutcome> {
        std::optional<QueueEntry> entry;
        DMC_TRY_ASSIGN(entry, load_queue_entry(connection, key, true));
        if (!entry) return CancelOutcome::not_queued;
        if (entry->lease_worker.empty() || entry->lease_expires < registry_now_seconds()) {
            // Nobody works on it: back to offline with the data intact.
            DMC_TRY_VOID(take_offline(connection, key, "abort_reason = 'rebuild cancelled'", {}));
            return CancelOutcome::removed_from_queue;
        }
        // The holder stops at its next report.
        DMC_TRY_VOID(connection.execute("UPDATE rebuild_queue SET cancel_requested = 1" + kWhereKey, key_values(key)));
        return CancelOutcome::cancel_requested;
    });
}

Result<PriorityChange> SqlRegistry::set_priority(const SectorKey &key, int32_t priority)
{
    return transact_value<PriorityChange>(TxMode::write, [&](SqlConnection &connection) -> Result<PriorityChange> {
        // Locked like cancel's read, so a concurrent allocation of this row
        // waits (or, with SKIP LOCKED, takes another) and keeps its lease.
        std::optional<QueueEntry> entry;
        DMC_TRY_ASSIGN(entry, load_queue_entry(connection, key, true));
        if (!entry)
            return make_error(Errc::not_found, "sector " + sector_id_string(key) +
                                                   " is not queued for rebuild: queue it with a priority "
                                                   "(sectors rebuild --priority P)");
        PriorityChange change{*entry, entry->priority};
        // Only the priority: seq, enqueued_at and the lease stay as they are.
        DMC_TRY_VOID(connection.execute("UPDATE rebuild_queue SET priority = ?" + kWhereKey,
                                        join_values({priority}, key_values(key))));
        change.entry.priority = priority;
        return change;
    });
}

Result<std::optional<QueueEntry>> SqlRegistry::queue_entry(const SectorKey &key)
{
    return transact_value<std::optional<QueueEntry>>(
        TxMode::read_snapshot, [&](SqlConnection &connection) { return load_queue_entry(connection, key, false); });
}

Result<std::vector<QueueEntry>> SqlRegistry::list_queue()
{
    return read_all<QueueEntry>("SELECT " + queue_columns().select() +
                                    " FROM rebuild_queue ORDER BY priority DESC, "
                                    "seq ASC",
                                [](const SqlRow &row) { return decode_queue_entry(row); });
}

} // namespace dmc::service
