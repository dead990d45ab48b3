// SPDX-License-Identifier: Apache-2.0
//
// PostgreSQL dialect, for several manager processes on one database
// (docs/architecture.md §7.5). Transactions run on pooled connections through
// pg::transact, which reconnects after a server restart and runs a
// transaction again when PostgreSQL says a retry may succeed. Concurrency:
// * write transactions are READ COMMITTED; the rows they check and update are
//   read `FOR UPDATE`, so a finalize and a re-allocation of the same sector,
//   or two imports of it, are serialized;
// * allocation locks the first allocatable row with `FOR UPDATE OF q SKIP
//   LOCKED`: two managers allocating at once take different rows instead of
//   waiting for each other, and a row whose lease another manager just took
//   fails PostgreSQL's re-check of the WHERE clause, so it is never handed out
//   twice;
// * snapshot reads are REPEATABLE READ READ ONLY: the sector, piece and snap
//   rows a listing joins come from one snapshot;
// * concurrent first starts on an empty database take a transaction-scoped
//   advisory lock before migrating.
#include "service/registry/postgres_dialect.hpp"

#include "service/registry/postgres_db.hpp"

namespace dmc::service {

namespace {

// Connections per manager process: the HTTP server's worker threads (8 by
// default) never wait for one another on the pool.
constexpr size_t kPoolSize = 8;

// Any constant: the key of the advisory lock that serializes migrations.
constexpr int64_t kMigrationLock = 0x646d632d72656731; // "dmc-reg1"

std::vector<pg::Param> text_params(const std::vector<SqlValue> &params)
{
    std::vector<pg::Param> out;
    out.reserve(params.size());
    for (const SqlValue &value : params) {
        if (value.is_null())
            out.emplace_back(std::nullopt);
        else
            out.emplace_back(value.text());
    }
    return out;
}

// libpq gives every column as text; SqlValue reads numbers out of it.
SqlRows rows_of(const pg::Rows &result)
{
    SqlRows out;
    out.affected = result.affected();
    out.rows.reserve(static_cast<size_t>(result.size()));
    for (int row = 0; row < result.size(); ++row) {
        std::vector<SqlValue> columns;
        columns.reserve(static_cast<size_t>(result.columns()));
        for (int column = 0; column < result.columns(); ++column) {
            if (result.is_null(row, column))
                columns.emplace_back();
            else
                columns.emplace_back(result.col_text(row, column));
        }
        out.rows.emplace_back(std::move(columns));
    }
    return out;
}

class PostgresConnection final : public SqlConnection {
public:
    explicit PostgresConnection(pg::Connection &connection) : connection_(connection) {}

    Result<SqlRows> query(const std::string &sql, const std::vector<SqlValue> &params) override
    {
        pg::Rows result;
        DMC_TRY_ASSIGN(result, connection_.exec(numbered_placeholders(sql), text_params(params)));
        return rows_of(result);
    }

    Status execute_script(const std::string &sql) override { return connection_.exec_script(sql); }

private:
    pg::Connection &connection_;
};

class PostgresDialect final : public SqlDialect {
public:
    explicit PostgresDialect(const std::string &url) : pool_(url, kPoolSize) {}

    std::string name() const override { return "postgres"; }

    Status transact(TxMode mode, const std::function<Status(SqlConnection &)> &body) override
    {
        const pg::TxMode pg_mode = mode == TxMode::write ? pg::TxMode::read_write : pg::TxMode::read_only_snapshot;
        return pg::transact(pool_, pg_mode, [&](pg::Connection &raw) {
            PostgresConnection connection(raw);
            return body(connection);
        });
    }

    std::string lock_rows_clause() const override { return " FOR UPDATE"; }

    std::string lock_first_free_row_clause(std::string_view table_alias) const override
    {
        return " FOR UPDATE OF " + std::string(table_alias) + " SKIP LOCKED";
    }

    Status serialize_migrations(SqlConnection &connection) override
    {
        return connection.execute("SELECT pg_advisory_xact_lock(?)", {kMigrationLock});
    }

private:
    pg::Pool pool_;
};

} // namespace

std::unique_ptr<SqlDialect> make_postgres_dialect(const std::string &url)
{
    return std::make_unique<PostgresDialect>(url);
}

std::string numbered_placeholders(std::string_view sql)
{
    std::string out;
    out.reserve(sql.size() + 16);
    int next = 1;
    char quote = 0; // the quote of the literal or identifier we are in
    for (char c : sql) {
        if (quote) {
            if (c == quote) quote = 0; // a doubled quote re-enters at once
            out += c;
        } else if (c == '\'' || c == '"') {
            quote = c;
            out += c;
        } else if (c == '?') {
            out += '$' + std::to_string(next++);
        } else {
            out += c;
        }
    }
    return out;
}

} // namespace dmc::service
