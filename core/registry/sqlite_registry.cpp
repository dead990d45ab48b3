// SPDX-License-Identifier: Apache-2.0
//
// SQLite registry (embedded default, <home>/registry.db). One connection in
// WAL mode, serialized by a mutex; every write is a BEGIN IMMEDIATE
// transaction so the checks it makes (offline before queueing, lease owner)
// cannot race with another writer, in this process or another.
#include "registry/sqlite_registry.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>

#include "registry/registry_codec.hpp"
#include "registry/registry_schema.hpp"
#include "registry/sqlite_db.hpp"

namespace dmc::core {

using sqlite::Statement;
using sqlite::Transaction;

namespace {

constexpr const char *kSectorColumns =
    "miner, number, proof, ticket, ticket_epoch, comm_d, comm_r, comm_c, comm_r_last, upgraded, store, online, "
    "need_rebuild, finalized, removed, abort_reason, latest_state, updated_at";

constexpr const char *kQueueColumns =
    "miner, number, priority, seq, enqueued_at, pieces_available, lease_worker, lease_location, lease_id, "
    "lease_expires, allocations, cancel_requested";

SectorRecord read_sector_row(const Statement &st)
{
    SectorRecord r;
    r.key = {static_cast<uint64_t>(st.col_int(0)), static_cast<uint64_t>(st.col_int(1))};
    r.proof_id = static_cast<uint64_t>(st.col_int(2));
    r.ticket = codec::opt_bytes32(st.col_opt_text(3));
    r.ticket_epoch = st.col_int(4);
    r.comm_d = st.col_text(5);
    r.comm_r = st.col_text(6);
    r.comm_c = codec::opt_bytes32(st.col_opt_text(7));
    r.comm_r_last = codec::opt_bytes32(st.col_opt_text(8));
    r.upgraded = st.col_int(9) != 0;
    r.store = st.col_text(10);
    r.online = st.col_int(11) != 0;
    r.need_rebuild = st.col_int(12) != 0;
    r.finalized = st.col_int(13) != 0;
    r.removed = st.col_int(14) != 0;
    r.abort_reason = st.col_text(15);
    r.latest = codec::parse_latest_state(st.col_opt_text(16));
    r.updated_at = st.col_int(17);
    return r;
}

QueueEntry read_queue_row(const Statement &st, int base = 0)
{
    QueueEntry q;
    q.key = {static_cast<uint64_t>(st.col_int(base + 0)), static_cast<uint64_t>(st.col_int(base + 1))};
    q.priority = static_cast<int32_t>(st.col_int(base + 2));
    q.seq = static_cast<uint64_t>(st.col_int(base + 3));
    q.enqueued_at = st.col_int(base + 4);
    q.pieces_available = st.col_int(base + 5) != 0;
    q.lease_worker = st.col_text(base + 6);
    q.lease_location = st.col_text(base + 7);
    q.lease_id = static_cast<uint64_t>(st.col_int(base + 8));
    q.lease_expires = st.col_int(base + 9);
    q.allocations = static_cast<uint32_t>(st.col_int(base + 10));
    q.cancel_requested = st.col_int(base + 11) != 0;
    return q;
}

int64_t now_seconds()
{
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

struct SqliteRegistry::Impl {
    sqlite::Database db;
    std::mutex mutex;

    Result<int> current_version()
    {
        DMC_TRY_VOID(db.exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                             "description TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
        Statement st(db.handle(), "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
        auto row = st.step();
        if (!row) return row.error();
        return static_cast<int>(st.col_int(0));
    }

    Status migrate()
    {
        auto v = current_version();
        if (!v) return v.error();
        const auto &all = registry_migrations();
        int latest = all.empty() ? 0 : all.back().version;
        if (*v > latest)
            return make_error(Errc::unsupported, "registry schema version " + std::to_string(*v) +
                                                     " is newer than this program supports (" +
                                                     std::to_string(latest) + "); upgrade damocles-run");
        for (const auto &m : all) {
            if (m.version <= *v) continue;
            Transaction tx(db);
            DMC_TRY_VOID(tx.begin_status());
            DMC_TRY_VOID(db.exec(m.sql));
            Statement st(db.handle(),
                         "INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)");
            st.bind(1, int64_t{m.version}).bind(2, std::string(m.description)).bind(3, now_seconds());
            DMC_TRY_VOID(st.run());
            DMC_TRY_VOID(tx.commit());
        }
        return {};
    }

    Result<int64_t> next_counter(const char *name)
    {
        Statement st(db.handle(), "UPDATE counters SET value = value + 1 WHERE name = ? RETURNING value");
        st.bind(1, std::string(name));
        auto row = st.step();
        if (!row) return row.error();
        if (!*row) return make_error(Errc::internal, std::string("registry counter ") + name + " missing");
        return st.col_int(0);
    }

    Result<std::vector<PieceRecord>> load_pieces(const SectorKey &key, const char *kind)
    {
        Statement st(db.handle(),
                     "SELECT cid, size, piece_offset, deal_id, source FROM pieces WHERE miner = ? AND number = ? "
                     "AND kind = ? ORDER BY idx");
        st.bind(1, static_cast<int64_t>(key.miner)).bind(2, static_cast<int64_t>(key.number)).bind(3, std::string(kind));
        std::vector<PieceRecord> out;
        for (;;) {
            auto row = st.step();
            if (!row) return row.error();
            if (!*row) break;
            PieceRecord p;
            p.cid = st.col_text(0);
            p.size = static_cast<uint64_t>(st.col_int(1));
            p.offset = static_cast<uint64_t>(st.col_int(2));
            if (auto d = st.col_opt_int(3)) p.deal_id = static_cast<uint64_t>(*d);
            p.source = st.col_opt_text(4);
            out.push_back(std::move(p));
        }
        return out;
    }

    Status complete(SectorRecord &r)
    {
        DMC_TRY_ASSIGN(r.pieces, load_pieces(r.key, "seal"));
        Statement st(db.handle(), "SELECT proof, comm_d_new, comm_r_new FROM snap_info WHERE miner = ? AND number = ?");
        st.bind(1, static_cast<int64_t>(r.key.miner)).bind(2, static_cast<int64_t>(r.key.number));
        auto row = st.step();
        if (!row) return row.error();
        if (*row) {
            SnapRecord s;
            s.proof = st.col_text(0);
            s.comm_d_new = st.col_opt_text(1);
            s.comm_r_new = st.col_opt_text(2);
            DMC_TRY_ASSIGN(s.pieces, load_pieces(r.key, "snap"));
            r.snap = std::move(s);
        }
        return {};
    }

    Result<std::optional<SectorRecord>> get(const SectorKey &key)
    {
        std::string sql = std::string("SELECT ") + kSectorColumns + " FROM sectors WHERE miner = ? AND number = ?";
        Statement st(db.handle(), sql.c_str());
        st.bind(1, static_cast<int64_t>(key.miner)).bind(2, static_cast<int64_t>(key.number));
        auto row = st.step();
        if (!row) return row.error();
        if (!*row) return std::optional<SectorRecord>{};
        SectorRecord r = read_sector_row(st);
        DMC_TRY_VOID(complete(r));
        return std::optional<SectorRecord>(std::move(r));
    }

    Status insert_pieces(const SectorKey &key, const char *kind, const std::vector<PieceRecord> &pieces)
    {
        Statement st(db.handle(),
                     "INSERT INTO pieces (miner, number, kind, idx, cid, size, piece_offset, deal_id, source) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
        for (size_t i = 0; i < pieces.size(); ++i) {
            const auto &p = pieces[i];
            st.reset();
            st.bind(1, static_cast<int64_t>(key.miner)).bind(2, static_cast<int64_t>(key.number));
            st.bind(3, std::string(kind)).bind(4, static_cast<int64_t>(i)).bind(5, p.cid);
            st.bind(6, static_cast<int64_t>(p.size)).bind(7, static_cast<int64_t>(p.offset));
            st.bind(8, p.deal_id ? std::optional<int64_t>(static_cast<int64_t>(*p.deal_id)) : std::nullopt);
            st.bind(9, p.source);
            DMC_TRY_VOID(st.run());
        }
        return {};
    }

    Status write_sector(const SectorRecord &r)
    {
        std::string sql = std::string("INSERT INTO sectors (") + kSectorColumns +
                          ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        Statement st(db.handle(), sql.c_str());
        st.bind(1, static_cast<int64_t>(r.key.miner)).bind(2, static_cast<int64_t>(r.key.number));
        st.bind(3, static_cast<int64_t>(r.proof_id)).bind(4, codec::opt_hex(r.ticket)).bind(5, r.ticket_epoch);
        st.bind(6, r.comm_d).bind(7, r.comm_r).bind(8, codec::opt_hex(r.comm_c)).bind(9, codec::opt_hex(r.comm_r_last));
        st.bind(10, int64_t{r.upgraded}).bind(11, r.store).bind(12, int64_t{r.online});
        st.bind(13, int64_t{r.need_rebuild}).bind(14, int64_t{r.finalized}).bind(15, int64_t{r.removed});
        st.bind(16, r.abort_reason);
        st.bind(17, r.latest ? std::optional<std::string>(codec::latest_state_json(*r.latest)) : std::nullopt);
        st.bind(18, now_seconds());
        DMC_TRY_VOID(st.run());
        DMC_TRY_VOID(insert_pieces(r.key, "seal", r.pieces));
        if (r.snap) {
            Statement s(db.handle(),
                        "INSERT INTO snap_info (miner, number, proof, comm_d_new, comm_r_new) VALUES (?, ?, ?, ?, ?)");
            s.bind(1, static_cast<int64_t>(r.key.miner)).bind(2, static_cast<int64_t>(r.key.number));
            s.bind(3, r.snap->proof).bind(4, r.snap->comm_d_new).bind(5, r.snap->comm_r_new);
            DMC_TRY_VOID(s.run());
            DMC_TRY_VOID(insert_pieces(r.key, "snap", r.snap->pieces));
        }
        return {};
    }

    Status delete_sector(const SectorKey &key)
    {
        for (const char *table : {"pieces", "snap_info", "rebuild_queue", "reservations", "sectors"}) {
            std::string sql = std::string("DELETE FROM ") + table + " WHERE miner = ? AND number = ?";
            Statement st(db.handle(), sql.c_str());
            st.bind(1, static_cast<int64_t>(key.miner)).bind(2, static_cast<int64_t>(key.number));
            DMC_TRY_VOID(st.run());
        }
        return {};
    }

    Status exec_key(const char *sql, const SectorKey &key)
    {
        Statement st(db.handle(), sql);
        st.bind(1, static_cast<int64_t>(key.miner)).bind(2, static_cast<int64_t>(key.number));
        return st.run();
    }

    Result<std::optional<QueueEntry>> queue_get(const SectorKey &key)
    {
        std::string sql = std::string("SELECT ") + kQueueColumns + " FROM rebuild_queue WHERE miner = ? AND number = ?";
        Statement st(db.handle(), sql.c_str());
        st.bind(1, static_cast<int64_t>(key.miner)).bind(2, static_cast<int64_t>(key.number));
        auto row = st.step();
        if (!row) return row.error();
        if (!*row) return std::optional<QueueEntry>{};
        return std::optional<QueueEntry>(read_queue_row(st));
    }
};

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
    ImportOutcome outcome = ImportOutcome::added;
    SectorRecord to_write = record;
    if (existing) {
        if (codec::same_registered_values(*existing, record)) return ImportOutcome::unchanged;
        if (!replace)
            return make_error(Errc::conflict, "sector " + sector_id_string(record.key) +
                                                  " is already registered with different values; pass --replace "
                                                  "to overwrite them");
        if (existing->online)
            return make_error(Errc::conflict, "sector " + sector_id_string(record.key) +
                                                  " has a rebuild queued or running; cancel it before replacing");
        // Keep lifecycle and location; replace the registered values.
        to_write.online = existing->online;
        to_write.need_rebuild = existing->need_rebuild;
        to_write.finalized = existing->finalized;
        to_write.removed = existing->removed;
        to_write.abort_reason = existing->abort_reason;
        to_write.latest = existing->latest;
        if (to_write.store.empty()) to_write.store = existing->store;
        DMC_TRY_VOID(impl_->delete_sector(record.key));
        outcome = ImportOutcome::replaced;
    }
    DMC_TRY_VOID(impl_->write_sector(to_write));
    DMC_TRY_VOID(tx.commit());
    return outcome;
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

Status SqliteRegistry::upsert_worker(const WorkerRecord &w)
{
    std::lock_guard lock(impl_->mutex);
    Statement st(impl_->db.handle(),
                 "INSERT INTO workers (name, address, version, last_ping, threads, empty, paused, running, waiting, "
                 "errors, threads_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                 "address = excluded.address, version = excluded.version, last_ping = excluded.last_ping, "
                 "threads = excluded.threads, empty = excluded.empty, paused = excluded.paused, running = "
                 "excluded.running, waiting = excluded.waiting, errors = excluded.errors, threads_json = "
                 "excluded.threads_json");
    st.bind(1, w.name).bind(2, w.address).bind(3, w.version).bind(4, w.last_ping);
    st.bind(5, int64_t{w.threads}).bind(6, int64_t{w.empty}).bind(7, int64_t{w.paused}).bind(8, int64_t{w.running});
    st.bind(9, int64_t{w.waiting}).bind(10, int64_t{w.errors}).bind(11, w.threads_json);
    return st.run();
}

Result<std::vector<WorkerRecord>> SqliteRegistry::list_workers()
{
    std::lock_guard lock(impl_->mutex);
    Statement st(impl_->db.handle(), "SELECT name, address, version, last_ping, threads, empty, paused, running, "
                                     "waiting, errors, threads_json FROM workers ORDER BY name");
    std::vector<WorkerRecord> out;
    for (;;) {
        auto row = st.step();
        if (!row) return row.error();
        if (!*row) break;
        WorkerRecord w;
        w.name = st.col_text(0);
        w.address = st.col_text(1);
        w.version = st.col_text(2);
        w.last_ping = st.col_int(3);
        w.threads = static_cast<uint32_t>(st.col_int(4));
        w.empty = static_cast<uint32_t>(st.col_int(5));
        w.paused = static_cast<uint32_t>(st.col_int(6));
        w.running = static_cast<uint32_t>(st.col_int(7));
        w.waiting = static_cast<uint32_t>(st.col_int(8));
        w.errors = static_cast<uint32_t>(st.col_int(9));
        w.threads_json = st.col_text(10);
        out.push_back(std::move(w));
    }
    return out;
}

Status SqliteRegistry::upsert_store(const PersistStoreRecord &s)
{
    std::lock_guard lock(impl_->mutex);
    Statement st(impl_->db.handle(),
                 "INSERT INTO persist_stores (name, path, weight, read_only, allow_miners, deny_miners) VALUES (?, ?, "
                 "?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET path = excluded.path, weight = excluded.weight, "
                 "read_only = excluded.read_only, allow_miners = excluded.allow_miners, deny_miners = "
                 "excluded.deny_miners");
    st.bind(1, s.name).bind(2, s.path).bind(3, int64_t{s.weight}).bind(4, int64_t{s.read_only});
    st.bind(5, codec::id_list(s.allow_miners)).bind(6, codec::id_list(s.deny_miners));
    return st.run();
}

Result<std::vector<PersistStoreRecord>> SqliteRegistry::list_stores()
{
    std::lock_guard lock(impl_->mutex);
    Statement st(impl_->db.handle(),
                 "SELECT name, path, weight, read_only, allow_miners, deny_miners FROM persist_stores ORDER BY name");
    std::vector<PersistStoreRecord> out;
    for (;;) {
        auto row = st.step();
        if (!row) return row.error();
        if (!*row) break;
        PersistStoreRecord s;
        s.name = st.col_text(0);
        s.path = st.col_text(1);
        s.weight = static_cast<uint32_t>(st.col_int(2));
        s.read_only = st.col_int(3) != 0;
        s.allow_miners = codec::parse_id_list(st.col_text(4));
        s.deny_miners = codec::parse_id_list(st.col_text(5));
        out.push_back(std::move(s));
    }
    return out;
}

Result<std::vector<Reservation>> SqliteRegistry::list_reservations()
{
    std::lock_guard lock(impl_->mutex);
    Statement st(impl_->db.handle(), "SELECT store, miner, number, size, at FROM reservations ORDER BY store, miner, number");
    std::vector<Reservation> out;
    for (;;) {
        auto row = st.step();
        if (!row) return row.error();
        if (!*row) break;
        Reservation r;
        r.store = st.col_text(0);
        r.key = {static_cast<uint64_t>(st.col_int(1)), static_cast<uint64_t>(st.col_int(2))};
        r.size = static_cast<uint64_t>(st.col_int(3));
        r.at = st.col_int(4);
        out.push_back(r);
    }
    return out;
}

Status SqliteRegistry::put_reservation(const Reservation &r)
{
    std::lock_guard lock(impl_->mutex);
    Statement st(impl_->db.handle(), "INSERT INTO reservations (miner, number, store, size, at) VALUES (?, ?, ?, ?, ?) "
                                     "ON CONFLICT (miner, number) DO UPDATE SET store = excluded.store, size = "
                                     "excluded.size, at = excluded.at");
    st.bind(1, static_cast<int64_t>(r.key.miner)).bind(2, static_cast<int64_t>(r.key.number)).bind(3, r.store);
    st.bind(4, static_cast<int64_t>(r.size)).bind(5, r.at);
    return st.run();
}

Status SqliteRegistry::release_reservation(const SectorKey &key)
{
    std::lock_guard lock(impl_->mutex);
    return impl_->exec_key("DELETE FROM reservations WHERE miner = ? AND number = ?", key);
}

} // namespace dmc::core
