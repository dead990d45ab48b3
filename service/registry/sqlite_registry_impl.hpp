// SPDX-License-Identifier: Apache-2.0
//
// Private part of the SQLite registry shared by sqlite_registry.cpp (sectors
// and the rebuild queue) and sqlite_registry_admin.cpp (workers, stores,
// reservations): the connection, its mutex, row readers and helpers.
#pragma once

#include <algorithm>
#include <chrono>
#include <mutex>

#include "service/registry/registry_codec.hpp"
#include "service/registry/registry_schema.hpp"
#include "service/registry/sqlite_db.hpp"
#include "service/registry/sqlite_registry.hpp"

namespace dmc::service {

using sqlite::Statement;
using sqlite::Transaction;

namespace sqlite_registry_detail {

inline constexpr const char *kSectorColumns =
    "miner, number, proof, ticket, ticket_epoch, comm_d, comm_r, comm_c, comm_r_last, upgraded, store, online, "
    "need_rebuild, finalized, removed, abort_reason, latest_state, updated_at";

inline constexpr const char *kQueueColumns =
    "miner, number, priority, seq, enqueued_at, pieces_available, lease_worker, lease_location, lease_id, "
    "lease_expires, allocations, cancel_requested";

inline SectorRecord read_sector_row(const Statement &st)
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

inline QueueEntry read_queue_row(const Statement &st, int base = 0)
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

inline int64_t now_seconds()
{
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace sqlite_registry_detail

using namespace sqlite_registry_detail;

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


} // namespace dmc::service
