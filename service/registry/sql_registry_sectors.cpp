// SPDX-License-Identifier: Apache-2.0
//
// Sector records (docs/architecture.md §7.1): import under the policy of
// codec::plan_import, reads with pieces and snap info, location and tree
// roots learnt later, the chain check's epoch. A sector is spread over three tables: sectors, pieces
// (kind "seal" or "snap", in order) and snap_info.
#include <map>

#include "service/registry/registry_codec.hpp"
#include "service/registry/registry_columns.hpp"
#include "service/registry/sql_registry.hpp"

namespace dmc::service {

namespace {

constexpr const char *kSealPieces = "seal";
constexpr const char *kSnapPieces = "snap";

Status insert_pieces(SqlConnection &connection, const SectorKey &key, const char *kind,
                     const std::vector<PieceRecord> &pieces)
{
    const std::string sql = "INSERT INTO pieces (miner, number, kind, idx, " + piece_columns().select() +
                            ") VALUES (?, ?, ?, ?, " + piece_columns().placeholders() + ")";
    for (size_t index = 0; index < pieces.size(); ++index)
        DMC_TRY_VOID(connection.execute(
            sql, join_values({key.miner, key.number, kind, uint64_t{index}}, piece_values(pieces[index]))));
    return {};
}

// The sectors a listing returns: the WHERE clause over `sectors s` and its
// parameters, shared by the queries for their pieces and snap info.
struct SectorSelection {
    std::string where = " WHERE 1 = 1";
    std::vector<SqlValue> params;
};

SectorSelection select_sectors(const SectorFilter &filter)
{
    SectorSelection selection;
    if (filter.online) selection.where += *filter.online ? " AND s.online = 1" : " AND s.online = 0";
    if (filter.miner) {
        selection.where += " AND s.miner = ?";
        selection.params.emplace_back(*filter.miner);
    }
    if (filter.store) {
        selection.where += " AND s.store = ?";
        selection.params.emplace_back(*filter.store);
    }
    return selection;
}

using SectorIndex = std::map<SectorKey, size_t>;

Status attach_snap_info(SqlConnection &connection, const SectorSelection &selection, const SectorIndex &index,
                        std::vector<SectorRecord> &sectors)
{
    SqlRows snaps;
    DMC_TRY_ASSIGN(snaps, connection.query("SELECT x.miner, x.number, " + snap_columns().select("x") +
                                               " FROM snap_info x JOIN sectors s ON s.miner = x.miner AND s.number = "
                                               "x.number" +
                                               selection.where,
                                           selection.params));
    for (const SqlRow &row : snaps.rows)
        if (auto it = index.find(decode_key(row)); it != index.end()) sectors[it->second].snap = decode_snap(row, 2);
    return {};
}

// After attach_snap_info: snap pieces of a sector without snap info are
// dropped, as load_sector does.
Status attach_pieces(SqlConnection &connection, const SectorSelection &selection, const SectorIndex &index,
                     std::vector<SectorRecord> &sectors)
{
    SqlRows pieces;
    DMC_TRY_ASSIGN(pieces, connection.query("SELECT x.miner, x.number, x.kind, " + piece_columns().select("x") +
                                                " FROM pieces x JOIN sectors s ON s.miner = x.miner AND s.number = "
                                                "x.number" +
                                                selection.where + " ORDER BY x.miner, x.number, x.kind, x.idx",
                                            selection.params));
    for (const SqlRow &row : pieces.rows) {
        auto it = index.find(decode_key(row));
        if (it == index.end()) continue;
        SectorRecord &sector = sectors[it->second];
        if (row.text(2) != kSnapPieces)
            sector.pieces.push_back(decode_piece(row, 3));
        else if (sector.snap)
            sector.snap->pieces.push_back(decode_piece(row, 3));
    }
    return {};
}

} // namespace

Result<std::optional<SectorRecord>> SqlRegistry::load_sector(SqlConnection &connection, const SectorKey &key, bool lock)
{
    std::optional<SqlRow> row;
    DMC_TRY_ASSIGN(row, connection.query_row("SELECT " + sector_columns().select() + " FROM sectors" + kWhereKey +
                                                 (lock ? dialect_->lock_rows_clause() : std::string()),
                                             key_values(key)));
    if (!row) return std::optional<SectorRecord>{};
    SectorRecord sector = decode_sector(*row);
    SqlRows pieces;
    DMC_TRY_ASSIGN(pieces, connection.query("SELECT kind, " + piece_columns().select() + " FROM pieces" + kWhereKey +
                                                " ORDER BY kind, idx",
                                            key_values(key)));
    std::vector<PieceRecord> snap_pieces;
    for (const SqlRow &piece : pieces.rows)
        (piece.text(0) == kSnapPieces ? snap_pieces : sector.pieces).push_back(decode_piece(piece, 1));
    std::optional<SqlRow> snap;
    DMC_TRY_ASSIGN(snap, connection.query_row("SELECT " + snap_columns().select() + " FROM snap_info" + kWhereKey,
                                              key_values(key)));
    if (snap) {
        sector.snap = decode_snap(*snap);
        sector.snap->pieces = std::move(snap_pieces);
    }
    return std::optional<SectorRecord>(std::move(sector));
}

Status SqlRegistry::write_sector(SqlConnection &connection, const SectorRecord &sector)
{
    DMC_TRY_VOID(
        connection.execute(sector_columns().insert_into("sectors"), sector_values(sector, registry_now_seconds())));
    DMC_TRY_VOID(insert_pieces(connection, sector.key, kSealPieces, sector.pieces));
    if (!sector.snap) return {};
    DMC_TRY_VOID(connection.execute("INSERT INTO snap_info (miner, number, " + snap_columns().select() +
                                        ") VALUES (?, ?, " + snap_columns().placeholders() + ")",
                                    join_values(key_values(sector.key), snap_values(*sector.snap))));
    return insert_pieces(connection, sector.key, kSnapPieces, sector.snap->pieces);
}

Status SqlRegistry::delete_sector(SqlConnection &connection, const SectorKey &key)
{
    // Rows that refer to the sector first.
    for (const char *table : {"pieces", "snap_info", "rebuild_queue", "reservations", "sectors"})
        DMC_TRY_VOID(connection.execute(std::string("DELETE FROM ") + table + kWhereKey, key_values(key)));
    return {};
}

Status SqlRegistry::update_sector(SqlConnection &connection, const SectorKey &key, const std::string &assignments,
                                  std::vector<SqlValue> values)
{
    values.emplace_back(registry_now_seconds());
    SqlRows updated;
    DMC_TRY_ASSIGN(updated, connection.query("UPDATE sectors SET " + assignments + ", updated_at = ?" + kWhereKey,
                                             join_values(std::move(values), key_values(key))));
    if (updated.affected == 0) return make_error(Errc::not_found, "sector " + sector_id_string(key) + " not found");
    return {};
}

Result<ImportOutcome> SqlRegistry::import_sector(const SectorRecord &record, bool replace)
{
    return transact_value<ImportOutcome>(TxMode::write, [&](SqlConnection &connection) -> Result<ImportOutcome> {
        std::optional<SectorRecord> existing;
        DMC_TRY_ASSIGN(existing, load_sector(connection, record.key, true));
        codec::ImportPlan plan;
        DMC_TRY_ASSIGN(plan, codec::plan_import(existing, record, replace));
        if (plan.outcome == ImportOutcome::unchanged) return plan.outcome;
        if (plan.outcome == ImportOutcome::replaced) DMC_TRY_VOID(delete_sector(connection, record.key));
        DMC_TRY_VOID(write_sector(connection, plan.to_write));
        return plan.outcome;
    });
}

Result<std::optional<SectorRecord>> SqlRegistry::get_sector(const SectorKey &key)
{
    return transact_value<std::optional<SectorRecord>>(
        TxMode::read_snapshot, [&](SqlConnection &connection) { return load_sector(connection, key, false); });
}

// Three queries whatever the number of sectors: the rows, then the snap info
// and the pieces of the same selection.
Result<std::vector<SectorRecord>> SqlRegistry::list_sectors(const SectorFilter &filter)
{
    const SectorSelection selection = select_sectors(filter);
    return transact_value<std::vector<SectorRecord>>(
        TxMode::read_snapshot, [&](SqlConnection &connection) -> Result<std::vector<SectorRecord>> {
            SqlRows rows;
            DMC_TRY_ASSIGN(rows, connection.query("SELECT " + sector_columns().select("s") + " FROM sectors s" +
                                                      selection.where + " ORDER BY s.miner, s.number",
                                                  selection.params));
            std::vector<SectorRecord> sectors;
            SectorIndex index;
            for (const SqlRow &row : rows.rows) {
                sectors.push_back(decode_sector(row));
                index[sectors.back().key] = sectors.size() - 1;
            }
            DMC_TRY_VOID(attach_snap_info(connection, selection, index, sectors));
            DMC_TRY_VOID(attach_pieces(connection, selection, index, sectors));
            return sectors;
        });
}

Status SqlRegistry::set_location(const SectorKey &key, const std::string &store)
{
    return dialect_->transact(
        TxMode::write, [&](SqlConnection &connection) { return update_sector(connection, key, "store = ?", {store}); });
}

Status SqlRegistry::set_tree_roots(const SectorKey &key, const Bytes32 &comm_c, const Bytes32 &comm_r_last)
{
    return set_tree_roots_of({SectorTreeRoots{key, comm_c, comm_r_last}});
}

Status SqlRegistry::set_tree_roots_of(const std::vector<SectorTreeRoots> &roots)
{
    if (roots.empty()) return {};
    return dialect_->transact(TxMode::write, [&](SqlConnection &connection) -> Status {
        for (const auto &sector : roots)
            DMC_TRY_VOID(update_sector(connection, sector.key, "comm_c = ?, comm_r_last = ?",
                                       {to_hex(sector.comm_c), to_hex(sector.comm_r_last)}));
        return {};
    });
}

Status SqlRegistry::set_chain_checked(const std::vector<SectorKey> &keys, int64_t epoch)
{
    if (keys.empty()) return {};
    return dialect_->transact(TxMode::write, [&](SqlConnection &connection) -> Status {
        for (const auto &key : keys) DMC_TRY_VOID(update_sector(connection, key, "chain_checked_epoch = ?", {epoch}));
        return {};
    });
}

} // namespace dmc::service
