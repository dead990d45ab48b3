// SPDX-License-Identifier: Apache-2.0
#include "service/importers/curio_tables.hpp"

#include <charconv>
#include <memory>

#include <libpq-fe.h>

#include "damocles/sdk/hex.hpp"

namespace dmc::service::importers {

namespace {

// postgres://user:secret@host/db -> postgres://user:***@host/db
std::string without_password(const std::string &url)
{
    const size_t scheme = url.find("://");
    const size_t at = url.find('@');
    if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
    const size_t colon = url.find(':', scheme + 3);
    if (colon == std::string::npos || colon > at) return url;
    return url.substr(0, colon + 1) + "***" + url.substr(at);
}

std::string trimmed(const char *text)
{
    std::string out = text ? text : "";
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
}

struct ResultDeleter {
    void operator()(PGresult *result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

struct ConnectionDeleter {
    void operator()(PGconn *connection) const { PQfinish(connection); }
};

class CurioReader {
public:
    explicit CurioReader(std::string url) : url_(std::move(url)) {}

    Status connect()
    {
        // Defaults first: values in the URL override them.
        const char *keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
        const char *values[] = {"10", "damocles-import", url_.c_str(), nullptr};
        connection_.reset(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
        if (!connection_) return make_error(Errc::no_memory, "cannot allocate a PostgreSQL connection");
        if (PQstatus(connection_.get()) != CONNECTION_OK)
            return make_error(Errc::io, "cannot connect to curio's database " + without_password(url_) + ": " +
                                            trimmed(PQerrorMessage(connection_.get())));
        return {};
    }

    // A statement with $1 = `miner` (NULL when none).
    Result<ResultPtr> query(const std::string &sql, const std::optional<uint64_t> &miner)
    {
        const std::string miner_text = miner ? std::to_string(*miner) : std::string();
        const char *values[] = {miner ? miner_text.c_str() : nullptr};
        return run(sql, 1, values);
    }

    Result<bool> exists(const std::string &sql)
    {
        DMC_TRY_ASSIGN(ResultPtr result, run(sql, 0, nullptr));
        return PQntuples(result.get()) > 0;
    }

private:
    Result<ResultPtr> run(const std::string &sql, int parameter_count, const char *const *values)
    {
        ResultPtr result(
            PQexecParams(connection_.get(), sql.c_str(), parameter_count, nullptr, values, nullptr, nullptr, 0));
        if (!result || PQresultStatus(result.get()) != PGRES_TUPLES_OK)
            return make_error(
                Errc::io, "curio's database " + without_password(url_) + ": " +
                              trimmed(result ? PQresultErrorMessage(result.get()) : PQerrorMessage(connection_.get())));
        return result;
    }

    std::string url_;
    std::unique_ptr<PGconn, ConnectionDeleter> connection_;
};

std::string text(const PGresult *result, int row, int column) { return PQgetvalue(result, row, column); }

bool is_null(const PGresult *result, int row, int column) { return PQgetisnull(result, row, column) != 0; }

Result<int64_t> integer(const PGresult *result, int row, int column)
{
    const char *value = PQgetvalue(result, row, column);
    int64_t out = 0;
    const size_t length = std::char_traits<char>::length(value);
    auto [end, error] = std::from_chars(value, value + length, out);
    if (error != std::errc() || end != value + length)
        return make_error(Errc::corrupt,
                          std::string("column ") + PQfname(result, column) + ": '" + value + "' is not an integer");
    return out;
}

Result<uint64_t> unsigned_integer(const PGresult *result, int row, int column)
{
    DMC_TRY_ASSIGN(int64_t value, integer(result, row, column));
    if (value < 0)
        return make_error(Errc::corrupt, std::string("column ") + PQfname(result, column) + ": " +
                                             std::to_string(value) + " is negative");
    return static_cast<uint64_t>(value);
}

constexpr const char *kMinerFilter = "($1::bigint IS NULL OR %s = $1::bigint)";

std::string miner_filter(const char *column)
{
    std::string filter = kMinerFilter;
    return filter.replace(filter.find("%s"), 2, column);
}

Result<std::vector<CurioSectorMeta>> read_sectors(CurioReader &reader, const std::optional<uint64_t> &miner)
{
    const std::string column_query = "SELECT 1 FROM information_schema.columns WHERE table_name = 'sectors_meta' "
                                     "AND column_name = 'has_sector_key'";
    DMC_TRY_ASSIGN(bool has_sector_key_column, reader.exists(column_query));
    const std::string snapped = has_sector_key_column ? "has_sector_key" : "(orig_sealed_cid <> cur_sealed_cid)";
    const std::string sql = "SELECT sp_id, sector_num, reg_seal_proof, ticket_epoch, encode(ticket_value, 'hex'), "
                            "orig_sealed_cid, orig_unsealed_cid, cur_sealed_cid, cur_unsealed_cid, " +
                            snapped + " FROM sectors_meta WHERE " + miner_filter("sp_id") +
                            " ORDER BY sp_id, sector_num";
    DMC_TRY_ASSIGN(ResultPtr result, reader.query(sql, miner));
    std::vector<CurioSectorMeta> sectors;
    const PGresult *rows = result.get();
    for (int row = 0; row < PQntuples(rows); ++row) {
        CurioSectorMeta meta;
        DMC_TRY_ASSIGN(meta.sp_id, unsigned_integer(rows, row, 0));
        DMC_TRY_ASSIGN(meta.sector_num, unsigned_integer(rows, row, 1));
        DMC_TRY_ASSIGN(meta.reg_seal_proof, integer(rows, row, 2));
        DMC_TRY_ASSIGN(meta.ticket_epoch, integer(rows, row, 3));
        DMC_TRY_ASSIGN(meta.ticket_value, from_hex(text(rows, row, 4)));
        meta.orig_sealed_cid = text(rows, row, 5);
        meta.orig_unsealed_cid = text(rows, row, 6);
        meta.cur_sealed_cid = text(rows, row, 7);
        meta.cur_unsealed_cid = text(rows, row, 8);
        meta.has_sector_key = text(rows, row, 9) == "t";
        sectors.push_back(std::move(meta));
    }
    return sectors;
}

Result<std::vector<CurioPieceRow>> read_pieces(CurioReader &reader, const std::optional<uint64_t> &miner)
{
    const std::string sql = "SELECT sp_id, sector_num, piece_num, piece_cid, piece_size, f05_deal_id, "
                            "ddo_pam IS NOT NULL, requested_keep_data FROM sectors_meta_pieces WHERE " +
                            miner_filter("sp_id") + " ORDER BY sp_id, sector_num, piece_num";
    DMC_TRY_ASSIGN(ResultPtr result, reader.query(sql, miner));
    std::vector<CurioPieceRow> pieces;
    const PGresult *rows = result.get();
    for (int row = 0; row < PQntuples(rows); ++row) {
        CurioPieceRow piece;
        DMC_TRY_ASSIGN(piece.sp_id, unsigned_integer(rows, row, 0));
        DMC_TRY_ASSIGN(piece.sector_num, unsigned_integer(rows, row, 1));
        DMC_TRY_ASSIGN(piece.piece_num, unsigned_integer(rows, row, 2));
        piece.piece_cid = text(rows, row, 3);
        DMC_TRY_ASSIGN(piece.piece_size, unsigned_integer(rows, row, 4));
        if (!is_null(rows, row, 5)) {
            DMC_TRY_ASSIGN(piece.f05_deal_id, integer(rows, row, 5));
        }
        piece.has_ddo_pam = text(rows, row, 6) == "t";
        piece.requested_keep_data = text(rows, row, 7) == "t";
        pieces.push_back(std::move(piece));
    }
    return pieces;
}

Result<std::vector<CurioLocationRow>> read_locations(CurioReader &reader, const std::optional<uint64_t> &miner)
{
    DMC_TRY_ASSIGN(bool has_table, reader.exists("SELECT 1 WHERE to_regclass('sector_location') IS NOT NULL"));
    std::vector<CurioLocationRow> locations;
    if (!has_table) return locations;
    const std::string sql = "SELECT miner_id, sector_num, sector_filetype, storage_id, COALESCE(is_primary, false) "
                            "FROM sector_location WHERE sector_filetype IN (2, 8) AND " +
                            miner_filter("miner_id") + " ORDER BY miner_id, sector_num, storage_id";
    DMC_TRY_ASSIGN(ResultPtr result, reader.query(sql, miner));
    const PGresult *rows = result.get();
    for (int row = 0; row < PQntuples(rows); ++row) {
        CurioLocationRow location;
        DMC_TRY_ASSIGN(location.miner_id, unsigned_integer(rows, row, 0));
        DMC_TRY_ASSIGN(location.sector_num, unsigned_integer(rows, row, 1));
        DMC_TRY_ASSIGN(location.filetype, unsigned_integer(rows, row, 2));
        location.storage_id = text(rows, row, 3);
        location.is_primary = text(rows, row, 4) == "t";
        locations.push_back(std::move(location));
    }
    return locations;
}

} // namespace

Result<CurioTables> read_curio_tables(const std::string &url, const std::optional<uint64_t> &miner)
{
    CurioReader reader(url);
    DMC_TRY_VOID(reader.connect());
    const std::string tables_query = "SELECT 1 WHERE to_regclass('sectors_meta') IS NOT NULL AND "
                                     "to_regclass('sectors_meta_pieces') IS NOT NULL";
    DMC_TRY_ASSIGN(bool is_curio, reader.exists(tables_query));
    if (!is_curio)
        return make_error(Errc::invalid_argument, "database " + without_password(url) +
                                                      " has no sectors_meta / sectors_meta_pieces tables: not a "
                                                      "curio database");
    CurioTables tables;
    DMC_TRY_ASSIGN(tables.sectors, read_sectors(reader, miner));
    DMC_TRY_ASSIGN(tables.pieces, read_pieces(reader, miner));
    DMC_TRY_ASSIGN(tables.locations, read_locations(reader, miner));
    return tables;
}

} // namespace dmc::service::importers
