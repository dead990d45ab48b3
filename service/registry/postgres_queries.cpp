// SPDX-License-Identifier: Apache-2.0
#include "service/registry/postgres_queries.hpp"

#include <chrono>

#include "service/registry/registry_codec.hpp"

namespace dmc::service::pgq {

using namespace dmc::core;

using pg::Connection;
using pg::p;
using pg::Rows;

const char *const kSectorColumns =
    "miner, number, proof, ticket, ticket_epoch, comm_d, comm_r, comm_c, comm_r_last, upgraded, store, online, "
    "need_rebuild, finalized, removed, abort_reason, latest_state, updated_at";

const char *const kQueueColumns =
    "miner, number, priority, seq, enqueued_at, pieces_available, lease_worker, lease_location, lease_id, "
    "lease_expires, allocations, cancel_requested";

SectorRecord read_sector_row(const Rows &r, int i)
{
    SectorRecord s;
    s.key = {static_cast<uint64_t>(r.col_int(i, 0)), static_cast<uint64_t>(r.col_int(i, 1))};
    s.proof_id = static_cast<uint64_t>(r.col_int(i, 2));
    s.ticket = codec::opt_bytes32(r.col_opt_text(i, 3));
    s.ticket_epoch = r.col_int(i, 4);
    s.comm_d = r.col_text(i, 5);
    s.comm_r = r.col_text(i, 6);
    s.comm_c = codec::opt_bytes32(r.col_opt_text(i, 7));
    s.comm_r_last = codec::opt_bytes32(r.col_opt_text(i, 8));
    s.upgraded = r.col_int(i, 9) != 0;
    s.store = r.col_text(i, 10);
    s.online = r.col_int(i, 11) != 0;
    s.need_rebuild = r.col_int(i, 12) != 0;
    s.finalized = r.col_int(i, 13) != 0;
    s.removed = r.col_int(i, 14) != 0;
    s.abort_reason = r.col_text(i, 15);
    s.latest = codec::parse_latest_state(r.col_opt_text(i, 16));
    s.updated_at = r.col_int(i, 17);
    return s;
}

QueueEntry read_queue_row(const Rows &r, int i)
{
    QueueEntry q;
    q.key = {static_cast<uint64_t>(r.col_int(i, 0)), static_cast<uint64_t>(r.col_int(i, 1))};
    q.priority = static_cast<int32_t>(r.col_int(i, 2));
    q.seq = static_cast<uint64_t>(r.col_int(i, 3));
    q.enqueued_at = r.col_int(i, 4);
    q.pieces_available = r.col_int(i, 5) != 0;
    q.lease_worker = r.col_text(i, 6);
    q.lease_location = r.col_text(i, 7);
    q.lease_id = static_cast<uint64_t>(r.col_int(i, 8));
    q.lease_expires = r.col_int(i, 9);
    q.allocations = static_cast<uint32_t>(r.col_int(i, 10));
    q.cancel_requested = r.col_int(i, 11) != 0;
    return q;
}

PieceRecord read_piece_row(const Rows &r, int i, int base)
{
    PieceRecord piece;
    piece.cid = r.col_text(i, base);
    piece.size = static_cast<uint64_t>(r.col_int(i, base + 1));
    piece.offset = static_cast<uint64_t>(r.col_int(i, base + 2));
    if (auto d = r.col_opt_int(i, base + 3)) piece.deal_id = static_cast<uint64_t>(*d);
    piece.source = r.col_opt_text(i, base + 4);
    return piece;
}

int64_t now_seconds()
{
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::vector<pg::Param> key_params(const SectorKey &key)
{
    return {p(key.miner), p(key.number)};
}

Error not_leased(const SectorKey &key)
{
    return make_error(Errc::conflict, "sector " + sector_id_string(key) + " is not leased to this task");
}

Status exec_key(Connection &c, const char *sql, const SectorKey &key)
{
    auto r = c.exec(sql, key_params(key));
    if (!r) return r.error();
    return {};
}

Result<int64_t> next_counter(Connection &c, const char *name)
{
    Rows r;
    DMC_TRY_ASSIGN(r, c.exec("UPDATE counters SET value = value + 1 WHERE name = $1 RETURNING value", {p(name)}));
    if (r.empty()) return make_error(Errc::internal, std::string("registry counter ") + name + " missing");
    return r.col_int(0, 0);
}

Result<std::optional<SectorRecord>> get_sector_tx(Connection &c, const SectorKey &key, bool lock)
{
    std::string sql = std::string("SELECT ") + kSectorColumns + " FROM sectors WHERE miner = $1 AND number = $2";
    if (lock) sql += " FOR UPDATE";
    Rows rows;
    DMC_TRY_ASSIGN(rows, c.exec(sql, key_params(key)));
    if (rows.empty()) return std::optional<SectorRecord>{};
    SectorRecord s = read_sector_row(rows, 0);
    Rows pieces;
    DMC_TRY_ASSIGN(pieces, c.exec("SELECT kind, cid, size, piece_offset, deal_id, source FROM pieces WHERE miner = $1 "
                                  "AND number = $2 ORDER BY kind, idx",
                                  key_params(key)));
    std::vector<PieceRecord> snap_pieces;
    for (int i = 0; i < pieces.size(); ++i)
        (pieces.col_text(i, 0) == "snap" ? snap_pieces : s.pieces).push_back(read_piece_row(pieces, i, 1));
    Rows snap;
    DMC_TRY_ASSIGN(snap, c.exec("SELECT proof, comm_d_new, comm_r_new FROM snap_info WHERE miner = $1 AND number = $2",
                                key_params(key)));
    if (!snap.empty())
        s.snap =
            SnapRecord{snap.col_text(0, 0), snap.col_opt_text(0, 1), snap.col_opt_text(0, 2), std::move(snap_pieces)};
    return std::optional<SectorRecord>(std::move(s));
}

Result<std::optional<QueueEntry>> queue_get_tx(Connection &c, const SectorKey &key, bool lock)
{
    std::string sql = std::string("SELECT ") + kQueueColumns + " FROM rebuild_queue WHERE miner = $1 AND number = $2";
    if (lock) sql += " FOR UPDATE";
    Rows rows;
    DMC_TRY_ASSIGN(rows, c.exec(sql, key_params(key)));
    if (rows.empty()) return std::optional<QueueEntry>{};
    return std::optional<QueueEntry>(read_queue_row(rows, 0));
}

Status insert_pieces(Connection &c, const SectorKey &key, const char *kind, const std::vector<PieceRecord> &pieces)
{
    for (size_t i = 0; i < pieces.size(); ++i) {
        const auto &pc = pieces[i];
        std::optional<std::string> deal;
        if (pc.deal_id) deal = std::to_string(static_cast<int64_t>(*pc.deal_id));
        auto r = c.exec("INSERT INTO pieces (miner, number, kind, idx, cid, size, piece_offset, deal_id, source) "
                        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                        {p(key.miner), p(key.number), p(kind), p(static_cast<int64_t>(i)), p(pc.cid), p(pc.size),
                         p(pc.offset), deal, pc.source});
        if (!r) return r.error();
    }
    return {};
}

Status write_sector_tx(Connection &c, const SectorRecord &r)
{
    std::string sql = std::string("INSERT INTO sectors (") + kSectorColumns +
                      ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)";
    std::optional<std::string> latest;
    if (r.latest) latest = codec::latest_state_json(*r.latest);
    auto ins = c.exec(sql, {p(r.key.miner), p(r.key.number), p(r.proof_id), codec::opt_hex(r.ticket), p(r.ticket_epoch),
                            p(r.comm_d), p(r.comm_r), codec::opt_hex(r.comm_c), codec::opt_hex(r.comm_r_last),
                            p(r.upgraded), p(r.store), p(r.online), p(r.need_rebuild), p(r.finalized), p(r.removed),
                            p(r.abort_reason), latest, p(now_seconds())});
    if (!ins) return ins.error();
    DMC_TRY_VOID(insert_pieces(c, r.key, "seal", r.pieces));
    if (r.snap) {
        auto s =
            c.exec("INSERT INTO snap_info (miner, number, proof, comm_d_new, comm_r_new) VALUES ($1, $2, $3, $4, $5)",
                   {p(r.key.miner), p(r.key.number), p(r.snap->proof), r.snap->comm_d_new, r.snap->comm_r_new});
        if (!s) return s.error();
        DMC_TRY_VOID(insert_pieces(c, r.key, "snap", r.snap->pieces));
    }
    return {};
}

Status delete_sector_tx(Connection &c, const SectorKey &key)
{
    for (const char *table : {"pieces", "snap_info", "rebuild_queue", "reservations", "sectors"}) {
        std::string sql = std::string("DELETE FROM ") + table + " WHERE miner = $1 AND number = $2";
        DMC_TRY_VOID(exec_key(c, sql.c_str(), key));
    }
    return {};
}

Status drop_queue_and_reservation(Connection &c, const SectorKey &key)
{
    DMC_TRY_VOID(exec_key(c, "DELETE FROM rebuild_queue WHERE miner = $1 AND number = $2", key));
    return exec_key(c, "DELETE FROM reservations WHERE miner = $1 AND number = $2", key);
}

} // namespace dmc::service::pgq
