// SPDX-License-Identifier: Apache-2.0
//
// The registry's rows, once for every backend: for each table the column
// list in one order, the decoder that reads a row in that order, and the
// encoder that gives the values to write in that order. A column added to a
// table is added here, and every SELECT, INSERT and upsert follows.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "service/registry/registry_types.hpp"
#include "service/registry/sql_dialect.hpp"

namespace dmc::service {

class ColumnList {
public:
    ColumnList(std::initializer_list<std::string_view> names) : names_(names) {}

    size_t size() const { return names_.size(); }
    // "miner, number, …", or "s.miner, s.number, …" with table_alias "s".
    std::string select(std::string_view table_alias = {}) const;
    // "?, ?, …", one per column.
    std::string placeholders() const;
    // "INSERT INTO <table> (<columns>) VALUES (?, …)".
    std::string insert_into(std::string_view table) const;
    // insert_into() that updates every other column of the existing row when
    // the first `key_columns` columns (the table's primary key) are taken.
    std::string upsert_into(std::string_view table, size_t key_columns) const;

private:
    std::vector<std::string_view> names_;
};

// sectors: the whole row. Its key (miner, number) comes first.
const ColumnList &sector_columns();
// rebuild_queue: the whole row. Its key (miner, number) comes first.
const ColumnList &queue_columns();
// pieces: one piece, without its key (miner, number, kind, idx).
const ColumnList &piece_columns();
// snap_info: the snap record without its key (miner, number) and pieces.
const ColumnList &snap_columns();
// workers, persist_stores, reservations: the whole row, key first.
const ColumnList &worker_columns();
const ColumnList &store_columns();
const ColumnList &reservation_columns();

// Decoders read the columns of their list from column `first` on. Sector
// records come without pieces and snap info (other tables).
SectorRecord decode_sector(const SqlRow &row, int first = 0);
QueueEntry decode_queue_entry(const SqlRow &row, int first = 0);
PieceRecord decode_piece(const SqlRow &row, int first = 0);
SnapRecord decode_snap(const SqlRow &row, int first = 0);
WorkerRecord decode_worker(const SqlRow &row);
PersistStoreRecord decode_store(const SqlRow &row);
Reservation decode_reservation(const SqlRow &row);
SectorKey decode_key(const SqlRow &row, int first = 0);

// Encoders give the values of their list, in its order.
std::vector<SqlValue> sector_values(const SectorRecord &sector, int64_t updated_at);
std::vector<SqlValue> piece_values(const PieceRecord &piece);
std::vector<SqlValue> snap_values(const SnapRecord &snap);
std::vector<SqlValue> worker_values(const WorkerRecord &worker);
std::vector<SqlValue> store_values(const PersistStoreRecord &store);
std::vector<SqlValue> reservation_values(const Reservation &reservation);
// miner, number: the parameters of kWhereKey.
std::vector<SqlValue> key_values(const SectorKey &key);
// `head` followed by `tail`: the parameters of a statement in its order.
std::vector<SqlValue> join_values(std::vector<SqlValue> head, const std::vector<SqlValue> &tail);

// One sector's row(s), in every table (their key is miner, number).
inline const std::string kWhereKey = " WHERE miner = ? AND number = ?";

} // namespace dmc::service
