// SPDX-License-Identifier: Apache-2.0
#include "service/registry/registry_columns.hpp"

#include "service/registry/registry_codec.hpp"

namespace dmc::service {

std::string ColumnList::select(std::string_view table_alias) const
{
    std::string out;
    for (std::string_view name : names_) {
        if (!out.empty()) out += ", ";
        if (!table_alias.empty()) out.append(table_alias).append(".");
        out += name;
    }
    return out;
}

std::string ColumnList::placeholders() const
{
    std::string out;
    for (size_t i = 0; i < names_.size(); ++i) out += i ? ", ?" : "?";
    return out;
}

std::string ColumnList::insert_into(std::string_view table) const
{
    return "INSERT INTO " + std::string(table) + " (" + select() + ") VALUES (" + placeholders() + ")";
}

std::string ColumnList::upsert_into(std::string_view table, size_t key_columns) const
{
    std::string key, assignments;
    for (size_t i = 0; i < names_.size(); ++i) {
        std::string &part = i < key_columns ? key : assignments;
        if (!part.empty()) part += ", ";
        part.append(names_[i]);
        if (i >= key_columns) part.append(" = excluded.").append(names_[i]);
    }
    return insert_into(table) + " ON CONFLICT (" + key + ") DO UPDATE SET " + assignments;
}

const ColumnList &sector_columns()
{
    static const ColumnList columns{"miner",
                                    "number",
                                    "proof",
                                    "ticket",
                                    "ticket_epoch",
                                    "comm_d",
                                    "comm_r",
                                    "comm_c",
                                    "comm_r_last",
                                    "upgraded",
                                    "store",
                                    "online",
                                    "need_rebuild",
                                    "finalized",
                                    "removed",
                                    "abort_reason",
                                    "latest_state",
                                    "updated_at",
                                    "chain_checked_epoch",
                                    "keep_unsealed"};
    return columns;
}

const ColumnList &queue_columns()
{
    static const ColumnList columns{"miner",       "number",           "priority",     "seq",
                                    "enqueued_at", "pieces_available", "lease_worker", "lease_location",
                                    "lease_id",    "lease_expires",    "allocations",  "cancel_requested",
                                    "unsealed"};
    return columns;
}

const ColumnList &piece_columns()
{
    static const ColumnList columns{"cid", "size", "piece_offset", "deal_id", "source"};
    return columns;
}

const ColumnList &snap_columns()
{
    static const ColumnList columns{"proof", "comm_d_new", "comm_r_new"};
    return columns;
}

const ColumnList &worker_columns()
{
    static const ColumnList columns{"name",   "address", "version", "last_ping", "threads",     "empty",
                                    "paused", "running", "waiting", "errors",    "threads_json"};
    return columns;
}

const ColumnList &store_columns()
{
    static const ColumnList columns{"name", "path", "weight", "read_only", "allow_miners", "deny_miners"};
    return columns;
}

const ColumnList &reservation_columns()
{
    static const ColumnList columns{"miner", "number", "store", "size", "at"};
    return columns;
}

SectorKey decode_key(const SqlRow &row, int first)
{
    return {row.unsigned_integer(first), row.unsigned_integer(first + 1)};
}

SectorRecord decode_sector(const SqlRow &row, int first)
{
    SectorRecord sector;
    sector.key = decode_key(row, first);
    sector.proof_id = row.unsigned_integer(first + 2);
    sector.ticket = codec::opt_bytes32(row.optional_text(first + 3));
    sector.ticket_epoch = row.integer(first + 4);
    sector.comm_d = row.text(first + 5);
    sector.comm_r = row.text(first + 6);
    sector.comm_c = codec::opt_bytes32(row.optional_text(first + 7));
    sector.comm_r_last = codec::opt_bytes32(row.optional_text(first + 8));
    sector.upgraded = row.flag(first + 9);
    sector.store = row.text(first + 10);
    sector.online = row.flag(first + 11);
    sector.need_rebuild = row.flag(first + 12);
    sector.finalized = row.flag(first + 13);
    sector.removed = row.flag(first + 14);
    sector.abort_reason = row.text(first + 15);
    sector.latest = codec::parse_latest_state(row.optional_text(first + 16));
    sector.updated_at = row.integer(first + 17);
    sector.chain_checked_epoch = row.optional_integer(first + 18);
    sector.keep_unsealed = row.flag(first + 19);
    return sector;
}

std::vector<SqlValue> sector_values(const SectorRecord &sector, int64_t updated_at)
{
    std::optional<std::string> latest;
    if (sector.latest) latest = codec::latest_state_json(*sector.latest);
    return {sector.key.miner,
            sector.key.number,
            sector.proof_id,
            codec::opt_hex(sector.ticket),
            sector.ticket_epoch,
            sector.comm_d,
            sector.comm_r,
            codec::opt_hex(sector.comm_c),
            codec::opt_hex(sector.comm_r_last),
            sector.upgraded,
            sector.store,
            sector.online,
            sector.need_rebuild,
            sector.finalized,
            sector.removed,
            sector.abort_reason,
            latest,
            updated_at,
            sector.chain_checked_epoch,
            sector.keep_unsealed};
}

QueueEntry decode_queue_entry(const SqlRow &row, int first)
{
    QueueEntry entry;
    entry.key = decode_key(row, first);
    entry.priority = static_cast<int32_t>(row.integer(first + 2));
    entry.seq = row.unsigned_integer(first + 3);
    entry.enqueued_at = row.integer(first + 4);
    entry.pieces_available = row.flag(first + 5);
    entry.lease_worker = row.text(first + 6);
    entry.lease_location = row.text(first + 7);
    entry.lease_id = row.unsigned_integer(first + 8);
    entry.lease_expires = row.integer(first + 9);
    entry.allocations = static_cast<uint32_t>(row.integer(first + 10));
    entry.cancel_requested = row.flag(first + 11);
    entry.unsealed = row.flag(first + 12);
    return entry;
}

PieceRecord decode_piece(const SqlRow &row, int first)
{
    PieceRecord piece;
    piece.cid = row.text(first);
    piece.size = row.unsigned_integer(first + 1);
    piece.offset = row.unsigned_integer(first + 2);
    if (auto deal = row.optional_integer(first + 3)) piece.deal_id = static_cast<uint64_t>(*deal);
    piece.source = row.optional_text(first + 4);
    return piece;
}

std::vector<SqlValue> piece_values(const PieceRecord &piece)
{
    return {piece.cid, piece.size, piece.offset, piece.deal_id, piece.source};
}

SnapRecord decode_snap(const SqlRow &row, int first)
{
    SnapRecord snap;
    snap.proof = row.text(first);
    snap.comm_d_new = row.optional_text(first + 1);
    snap.comm_r_new = row.optional_text(first + 2);
    return snap;
}

std::vector<SqlValue> snap_values(const SnapRecord &snap) { return {snap.proof, snap.comm_d_new, snap.comm_r_new}; }

WorkerRecord decode_worker(const SqlRow &row)
{
    WorkerRecord worker;
    worker.name = row.text(0);
    worker.address = row.text(1);
    worker.version = row.text(2);
    worker.last_ping = row.integer(3);
    worker.threads = static_cast<uint32_t>(row.integer(4));
    worker.empty = static_cast<uint32_t>(row.integer(5));
    worker.paused = static_cast<uint32_t>(row.integer(6));
    worker.running = static_cast<uint32_t>(row.integer(7));
    worker.waiting = static_cast<uint32_t>(row.integer(8));
    worker.errors = static_cast<uint32_t>(row.integer(9));
    worker.threads_json = row.text(10);
    return worker;
}

std::vector<SqlValue> worker_values(const WorkerRecord &worker)
{
    return {worker.name,   worker.address, worker.version, worker.last_ping, worker.threads,     worker.empty,
            worker.paused, worker.running, worker.waiting, worker.errors,    worker.threads_json};
}

PersistStoreRecord decode_store(const SqlRow &row)
{
    PersistStoreRecord store;
    store.name = row.text(0);
    store.path = row.text(1);
    store.weight = static_cast<uint32_t>(row.integer(2));
    store.read_only = row.flag(3);
    store.allow_miners = codec::parse_id_list(row.text(4));
    store.deny_miners = codec::parse_id_list(row.text(5));
    return store;
}

std::vector<SqlValue> store_values(const PersistStoreRecord &store)
{
    return {store.name,
            store.path,
            store.weight,
            store.read_only,
            codec::id_list(store.allow_miners),
            codec::id_list(store.deny_miners)};
}

Reservation decode_reservation(const SqlRow &row)
{
    Reservation reservation;
    reservation.key = decode_key(row, 0);
    reservation.store = row.text(2);
    reservation.size = row.unsigned_integer(3);
    reservation.at = row.integer(4);
    return reservation;
}

std::vector<SqlValue> reservation_values(const Reservation &reservation)
{
    return {reservation.key.miner, reservation.key.number, reservation.store, reservation.size, reservation.at};
}

std::vector<SqlValue> key_values(const SectorKey &key) { return {key.miner, key.number}; }

std::vector<SqlValue> join_values(std::vector<SqlValue> head, const std::vector<SqlValue> &tail)
{
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
}

} // namespace dmc::service
