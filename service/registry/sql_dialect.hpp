// SPDX-License-Identifier: Apache-2.0
//
// What the SQL registry needs from a database, and nothing more
// (docs/architecture.md §7.5): statements with `?` placeholders and values
// bound in order, rows read through typed getters, transactions, and the few
// SQL fragments whose syntax or meaning differs between SQLite and
// PostgreSQL (row locks). Everything else — the lifecycle rules, the column
// lists, the upserts (`INSERT … ON CONFLICT … DO UPDATE`, which both accept)
// and the schema — is written once in SqlRegistry.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "damocles/sdk/result.hpp"

namespace dmc::service {

// A value bound to a placeholder or read from a column: NULL, an integer or
// text (the schema has no other types: hashes are hex, flags are 0/1).
// Unsigned ids are stored as BIGINT, i.e. their two's complement.
class SqlValue {
public:
    SqlValue() = default; // NULL
    SqlValue(std::nullopt_t) {}
    SqlValue(bool flag) : value_(int64_t{flag ? 1 : 0}) {}
    SqlValue(int32_t number) : value_(int64_t{number}) {}
    SqlValue(uint32_t number) : value_(int64_t{number}) {}
    SqlValue(int64_t number) : value_(number) {}
    SqlValue(uint64_t number) : value_(static_cast<int64_t>(number)) {}
    SqlValue(std::string text) : value_(std::move(text)) {}
    SqlValue(const char *text) : value_(std::string(text)) {}
    template <class T> SqlValue(const std::optional<T> &value) : SqlValue(value ? SqlValue(*value) : SqlValue()) {}

    bool is_null() const { return std::holds_alternative<std::monostate>(value_); }
    const int64_t *if_integer() const { return std::get_if<int64_t>(&value_); }
    const std::string *if_text() const { return std::get_if<std::string>(&value_); }
    // NULL reads as 0 / ""; text holding a number reads as that number (libpq
    // returns every column as text).
    int64_t integer() const;
    std::string text() const;

private:
    std::variant<std::monostate, int64_t, std::string> value_;
};

// One result row; columns are numbered from 0 in the SELECT's order.
class SqlRow {
public:
    explicit SqlRow(std::vector<SqlValue> columns) : columns_(std::move(columns)) {}

    int size() const { return static_cast<int>(columns_.size()); }
    bool is_null(int column) const { return columns_.at(column).is_null(); }
    int64_t integer(int column) const { return columns_.at(column).integer(); }
    uint64_t unsigned_integer(int column) const { return static_cast<uint64_t>(integer(column)); }
    bool flag(int column) const { return integer(column) != 0; }
    std::string text(int column) const { return columns_.at(column).text(); }
    std::optional<std::string> optional_text(int column) const;
    std::optional<int64_t> optional_integer(int column) const;

private:
    std::vector<SqlValue> columns_;
};

struct SqlRows {
    std::vector<SqlRow> rows;
    int64_t affected = 0; // rows changed by INSERT/UPDATE/DELETE
    bool empty() const { return rows.empty(); }
};

// A connection inside a transaction (SqlDialect::transact hands it out).
class SqlConnection {
public:
    virtual ~SqlConnection() = default;
    // One statement; its `?` placeholders take `params` in order.
    virtual Result<SqlRows> query(const std::string &sql, const std::vector<SqlValue> &params = {}) = 0;
    // Several ';'-separated statements without parameters (migrations).
    virtual Status execute_script(const std::string &sql) = 0;

    // query() for a statement whose rows (if any) are not wanted.
    Status execute(const std::string &sql, const std::vector<SqlValue> &params = {});
    // query() for at most one row: nullopt when there is none.
    Result<std::optional<SqlRow>> query_row(const std::string &sql, const std::vector<SqlValue> &params = {});
};

enum class TxMode {
    write,         // may write; the checks it makes cannot race with another writer
    read_snapshot, // reads only; all its statements see one moment
};

class SqlDialect {
public:
    virtual ~SqlDialect() = default;

    // "sqlite" / "postgres" (RegistryStore::backend()).
    virtual std::string name() const = 0;

    // Runs `body` between BEGIN and COMMIT; rolls back when it fails. A
    // backend may run `body` again when a retry can cure the failure (a lost
    // connection, a serialization failure), so `body` must start from scratch
    // every time it is called. An error returned by `body` is returned as is.
    virtual Status transact(TxMode mode, const std::function<Status(SqlConnection &)> &body) = 0;

    // Appended to a SELECT in a write transaction whose rows the transaction
    // then checks and updates, so that no concurrent transaction changes them
    // in between (" FOR UPDATE", or "" where a write transaction already
    // excludes every other writer).
    virtual std::string lock_rows_clause() const = 0;
    // Appended to the `… ORDER BY … LIMIT 1` allocation SELECT: lock the row
    // of `table_alias` it returns, passing over rows that other transactions
    // hold, so that concurrent allocations take different rows.
    virtual std::string lock_first_free_row_clause(std::string_view table_alias) const = 0;
    // Called first in the migration transaction: makes concurrent first starts
    // on an empty database apply the migrations once.
    virtual Status serialize_migrations(SqlConnection &connection) = 0;
};

} // namespace dmc::service
