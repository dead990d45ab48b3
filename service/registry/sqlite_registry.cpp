// SPDX-License-Identifier: Apache-2.0
//
// SQLite registry (embedded default, <home>/registry.db). One connection in
// WAL mode, serialized by a mutex; every write is a BEGIN IMMEDIATE
// transaction so the checks it makes (offline before queueing, lease owner)
// cannot race with another writer, in this process or another.
#include "service/registry/sqlite_registry_impl.hpp"

namespace dmc::service {

using namespace dmc::core;

SqliteRegistry::SqliteRegistry() : impl_(std::make_unique<Impl>()) {}
SqliteRegistry::~SqliteRegistry() = default;

Result<std::unique_ptr<SqliteRegistry>> SqliteRegistry::open(const std::string &path)
{
    std::unique_ptr<SqliteRegistry> reg(new SqliteRegistry());
    DMC_TRY_VOID(reg->impl_->db.open(path));
    DMC_TRY_VOID(reg->impl_->migrate());
    return reg;
}

Result<int> SqliteRegistry::schema_version()
{
    std::lock_guard lock(impl_->mutex);
    return impl_->current_version();
}

Result<ImportOutcome> SqliteRegistry::import_sector(const SectorRecord &record, bool replace)
{
    std::lock_guard lock(impl_->mutex);
    Transaction tx(impl_->db);
    DMC_TRY_VOID(tx.begin_status());
    std::optional<SectorRecord> existing;
    DMC_TRY_ASSIGN(existing, impl_->get(record.key));
    codec::ImportPlan plan;
    DMC_TRY_ASSIGN(plan, codec::plan_import(existing, record, replace));
    if (plan.outcome == ImportOutcome::unchanged) return plan.outcome;
    if (plan.outcome == ImportOutcome::replaced) DMC_TRY_VOID(impl_->delete_sector(record.key));
    DMC_TRY_VOID(impl_->write_sector(plan.to_write));
    DMC_TRY_VOID(tx.commit());
    return plan.outcome;
}

Result<std::optional<SectorRecord>> SqliteRegistry::get_sector(const SectorKey &key)
{
    std::lock_guard lock(impl_->mutex);
    return impl_->get(key);
}

Result<std::vector<SectorRecord>> SqliteRegistry::list_sectors(const SectorFilter &filter)
{
    std::lock_guard lock(impl_->mutex);
    std::string sql = std::string("SELECT ") + kSectorColumns + " FROM sectors WHERE 1 = 1";
    if (filter.online) sql += *filter.online ? " AND online = 1" : " AND online = 0";
    if (filter.miner) sql += " AND miner = " + std::to_string(*filter.miner);
    if (filter.store) sql += " AND store = ?";
    sql += " ORDER BY miner, number";
    Statement st(impl_->db.handle(), sql.c_str());
    if (filter.store) st.bind(1, *filter.store);
    std::vector<SectorRecord> out;
    for (;;) {
        auto row = st.step();
        if (!row) return row.error();
        if (!*row) break;
        out.push_back(read_sector_row(st));
    }
    for (auto &r : out) DMC_TRY_VOID(impl_->complete(r));
    return out;
}

Status SqliteRegistry::set_location(const SectorKey &key, const std::string &store)
{
    std::lock_guard lock(impl_->mutex);
    Statement st(impl_->db.handle(), "UPDATE sectors SET store = ?, updated_at = ? WHERE miner = ? AND number = ?");
    st.bind(1, store).bind(2, now_seconds()).bind(3, static_cast<int64_t>(key.miner)).bind(4, static_cast<int64_t>(key.number));
    DMC_TRY_VOID(st.run());
    if (impl_->db.changes() == 0) return make_error(Errc::not_found, "sector " + sector_id_string(key) + " not found");
    return {};
}

Status SqliteRegistry::set_tree_roots(const SectorKey &key, const Bytes32 &comm_c, const Bytes32 &comm_r_last)
{
    std::lock_guard lock(impl_->mutex);
    Statement st(impl_->db.handle(), "UPDATE sectors SET comm_c = ?, comm_r_last = ?, updated_at = ? WHERE miner = ? "
                                     "AND number = ?");
    st.bind(1, to_hex(comm_c)).bind(2, to_hex(comm_r_last)).bind(3, now_seconds());
    st.bind(4, static_cast<int64_t>(key.miner)).bind(5, static_cast<int64_t>(key.number));
    DMC_TRY_VOID(st.run());
    if (impl_->db.changes() == 0) return make_error(Errc::not_found, "sector " + sector_id_string(key) + " not found");
    return {};
}

Result<bool> SqliteRegistry::mark_for_rebuild(const SectorKey &key, int32_t priority, bool pieces_available,
                                              int64_t now)
{
    std::lock_guard lock(impl_->mutex);
    Transaction tx(impl_->db);
    DMC_TRY_VOID(tx.begin_status());
    Statement up(impl_->db.handle(), "UPDATE sectors SET online = 1, need_rebuild = 1, finalized = 0, updated_at = ? "
                                     "WHERE miner = ? AND number = ? AND online = 0 AND removed = 0");
    up.bind(1, now).bind(2, static_cast<int64_t>(key.miner)).bind(3, static_cast<int64_t>(key.number));
    DMC_TRY_VOID(up.run());
    if (impl_->db.changes() == 0) return false;
    int64_t seq;
    DMC_TRY_ASSIGN(seq, impl_->next_counter("queue_seq"));
    Statement ins(impl_->db.handle(), "INSERT INTO rebuild_queue (miner, number, priority, seq, enqueued_at, "
                                      "pieces_available) VALUES (?, ?, ?, ?, ?, ?)");
    ins.bind(1, static_cast<int64_t>(key.miner)).bind(2, static_cast<int64_t>(key.number));
    ins.bind(3, int64_t{priority}).bind(4, seq).bind(5, now).bind(6, int64_t{pieces_available});
    DMC_TRY_VOID(ins.run());
    DMC_TRY_VOID(tx.commit());
    return true;
}

Result<std::optional<Allocation>> SqliteRegistry::allocate(const AllocationFilter &filter, int64_t now)
{
    std::lock_guard lock(impl_->mutex);
    Transaction tx(impl_->db);
    DMC_TRY_VOID(tx.begin_status());
    std::string sql = std::string("SELECT q.miner, q.number, q.priority, q.seq, q.enqueued_at, q.pieces_available, "
                                  "q.lease_worker, q.lease_location, q.lease_id, q.lease_expires, q.allocations, "
                                  "q.cancel_requested, s.proof FROM rebuild_queue q JOIN sectors s ON s.miner = q.miner "
                                  "AND s.number = q.number WHERE (q.lease_worker = '' OR q.lease_expires < ?) "
                                  "AND q.cancel_requested = 0 ORDER BY q.priority DESC, q.seq ASC");
    Statement st(impl_->db.handle(), sql.c_str());
    st.bind(1, now);
    std::optional<QueueEntry> chosen;
    for (;;) {
        auto row = st.step();
        if (!row) return row.error();
        if (!*row) break;
        QueueEntry q = read_queue_row(st);
        uint64_t proof = static_cast<uint64_t>(st.col_int(12));
        auto allowed = [](const std::vector<uint64_t> &list, uint64_t v) {
            return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
        };
        if (allowed(filter.allowed_miners, q.key.miner) && allowed(filter.allowed_proofs, proof)) {
            chosen = q;
            break;
        }
    }
    if (!chosen) return std::optional<Allocation>{};
    int64_t lease_id;
    DMC_TRY_ASSIGN(lease_id, impl_->next_counter("lease_id"));
    Statement up(impl_->db.handle(), "UPDATE rebuild_queue SET lease_worker = ?, lease_location = ?, lease_id = ?, "
                                     "lease_expires = ?, allocations = allocations + 1 WHERE miner = ? AND number = ?");
    up.bind(1, filter.worker.empty() ? std::string("?") : filter.worker).bind(2, filter.location).bind(3, lease_id);
    up.bind(4, now + filter.lease_seconds);
    up.bind(5, static_cast<int64_t>(chosen->key.miner)).bind(6, static_cast<int64_t>(chosen->key.number));
    DMC_TRY_VOID(up.run());
    Allocation a;
    std::optional<SectorRecord> sector;
    DMC_TRY_ASSIGN(sector, impl_->get(chosen->key));
    std::optional<QueueEntry> entry;
    DMC_TRY_ASSIGN(entry, impl_->queue_get(chosen->key));
    if (!sector || !entry) return make_error(Errc::internal, "queue entry without sector record");
    a.sector = std::move(*sector);
    a.entry = *entry;
    DMC_TRY_VOID(tx.commit());
    return std::optional<Allocation>(std::move(a));
}

Result<ReportOutcome> SqliteRegistry::report_state(const SectorKey &key, uint64_t lease_id, const LatestState &state,
                                                   int64_t lease_until)
{
    std::lock_guard lock(impl_->mutex);
    Transaction tx(impl_->db);
    DMC_TRY_VOID(tx.begin_status());
    ReportOutcome out;
    std::optional<SectorRecord> sector;
    DMC_TRY_ASSIGN(sector, impl_->get(key));
    if (!sector) return make_error(Errc::not_found, "sector state not found: " + sector_id_string(key));
    out.online = sector->online;
    std::optional<QueueEntry> entry;
    DMC_TRY_ASSIGN(entry, impl_->queue_get(key));
    out.lease_valid = entry && entry->lease_id == lease_id;
    out.cancel_requested = entry && entry->cancel_requested;
    if (!out.online || !out.lease_valid) return out;
    Statement st(impl_->db.handle(), "UPDATE sectors SET latest_state = ?, updated_at = ? WHERE miner = ? AND number = ?");
    st.bind(1, codec::latest_state_json(state)).bind(2, now_seconds());
    st.bind(3, static_cast<int64_t>(key.miner)).bind(4, static_cast<int64_t>(key.number));
    DMC_TRY_VOID(st.run());
    Statement lease(impl_->db.handle(), "UPDATE rebuild_queue SET lease_expires = ? WHERE miner = ? AND number = ?");
    lease.bind(1, lease_until).bind(2, static_cast<int64_t>(key.miner)).bind(3, static_cast<int64_t>(key.number));
    DMC_TRY_VOID(lease.run());
    DMC_TRY_VOID(tx.commit());
    return out;
}

Status SqliteRegistry::finalize(const SectorKey &key, uint64_t lease_id, const std::string &store)
{
    std::lock_guard lock(impl_->mutex);
    Transaction tx(impl_->db);
    DMC_TRY_VOID(tx.begin_status());
    std::optional<QueueEntry> entry;
    DMC_TRY_ASSIGN(entry, impl_->queue_get(key));
    if (!entry || entry->lease_id != lease_id)
        return make_error(Errc::conflict, "sector " + sector_id_string(key) + " is not leased to this task");
    Statement st(impl_->db.handle(), "UPDATE sectors SET online = 0, need_rebuild = 0, finalized = 1, "
                                     "abort_reason = '', store = ?, updated_at = ? WHERE miner = ? AND number = ?");
    st.bind(1, store).bind(2, now_seconds()).bind(3, static_cast<int64_t>(key.miner)).bind(4, static_cast<int64_t>(key.number));
    DMC_TRY_VOID(st.run());
    DMC_TRY_VOID(impl_->exec_key("DELETE FROM rebuild_queue WHERE miner = ? AND number = ?", key));
    DMC_TRY_VOID(impl_->exec_key("DELETE FROM reservations WHERE miner = ? AND number = ?", key));
    return tx.commit();
}

Status SqliteRegistry::abort(const SectorKey &key, uint64_t lease_id, const std::string &reason)
{
    std::lock_guard lock(impl_->mutex);
    Transaction tx(impl_->db);
    DMC_TRY_VOID(tx.begin_status());
    std::optional<SectorRecord> sector;
    DMC_TRY_ASSIGN(sector, impl_->get(key));
    if (!sector) return make_error(Errc::not_found, "sector state not found: " + sector_id_string(key));
    if (lease_id != 0) {
        std::optional<QueueEntry> entry;
        DMC_TRY_ASSIGN(entry, impl_->queue_get(key));
        if (!entry || entry->lease_id != lease_id)
            return make_error(Errc::conflict, "sector " + sector_id_string(key) + " is not leased to this task");
    }
    Statement st(impl_->db.handle(), "UPDATE sectors SET online = 0, finalized = 1, abort_reason = ?, updated_at = ? "
                                     "WHERE miner = ? AND number = ?");
    st.bind(1, reason).bind(2, now_seconds()).bind(3, static_cast<int64_t>(key.miner)).bind(4, static_cast<int64_t>(key.number));
    DMC_TRY_VOID(st.run());
    DMC_TRY_VOID(impl_->exec_key("DELETE FROM rebuild_queue WHERE miner = ? AND number = ?", key));
    DMC_TRY_VOID(impl_->exec_key("DELETE FROM reservations WHERE miner = ? AND number = ?", key));
    return tx.commit();
}

Result<CancelOutcome> SqliteRegistry::cancel(const SectorKey &key)
{
    std::lock_guard lock(impl_->mutex);
    Transaction tx(impl_->db);
    DMC_TRY_VOID(tx.begin_status());
    std::optional<QueueEntry> entry;
    DMC_TRY_ASSIGN(entry, impl_->queue_get(key));
    if (!entry) return CancelOutcome::not_queued;
    const int64_t now = now_seconds();
    if (entry->lease_worker.empty() || entry->lease_expires < now) {
        // Nobody works on it: back to offline with the data intact.
        Statement st(impl_->db.handle(), "UPDATE sectors SET online = 0, finalized = 1, abort_reason = 'rebuild "
                                         "cancelled', updated_at = ? WHERE miner = ? AND number = ?");
        st.bind(1, now).bind(2, static_cast<int64_t>(key.miner)).bind(3, static_cast<int64_t>(key.number));
        DMC_TRY_VOID(st.run());
        DMC_TRY_VOID(impl_->exec_key("DELETE FROM rebuild_queue WHERE miner = ? AND number = ?", key));
        DMC_TRY_VOID(impl_->exec_key("DELETE FROM reservations WHERE miner = ? AND number = ?", key));
        DMC_TRY_VOID(tx.commit());
        return CancelOutcome::removed_from_queue;
    }
    DMC_TRY_VOID(impl_->exec_key("UPDATE rebuild_queue SET cancel_requested = 1 WHERE miner = ? AND number = ?", key));
    DMC_TRY_VOID(tx.commit());
    return CancelOutcome::cancel_requested;
}

Result<std::optional<QueueEntry>> SqliteRegistry::queue_entry(const SectorKey &key)
{
    std::lock_guard lock(impl_->mutex);
    return impl_->queue_get(key);
}

Result<std::vector<QueueEntry>> SqliteRegistry::list_queue()
{
    std::lock_guard lock(impl_->mutex);
    std::string sql = std::string("SELECT ") + kQueueColumns + " FROM rebuild_queue ORDER BY priority DESC, seq ASC";
    Statement st(impl_->db.handle(), sql.c_str());
    std::vector<QueueEntry> out;
    for (;;) {
        auto row = st.step();
        if (!row) return row.error();
        if (!*row) break;
        out.push_back(read_queue_row(st));
    }
    return out;
}

} // namespace dmc::service
