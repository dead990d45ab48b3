// SPDX-License-Identifier: Apache-2.0
//
// SQLite dialect. One connection per registry, serialized by a mutex; every
// write transaction is BEGIN IMMEDIATE, so it holds SQLite's single writer
// lock from its first statement: the checks it makes (offline before
// queueing, lease owner) cannot race with another writer, in this process or
// another one on the same file. That is why SQLite needs no row locks, and why
// the allocation SELECT may simply take the first row (docs/architecture.md
// §7.5). A writer that finds the lock taken waits for it (busy timeout)
// instead of failing. Snapshot reads are deferred transactions: in WAL mode
// they see one moment and never block a writer.
#include "service/registry/sqlite_dialect.hpp"

#include <mutex>

#include <sqlite3.h>

namespace dmc::service {

namespace {

constexpr int kBusyTimeoutMs = 10000;

// A prepared statement, finalized when it goes away.
class PreparedStatement {
public:
    PreparedStatement(sqlite3 *db, const std::string &sql) : db_(db)
    {
        if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK) {
            error_ = std::string("cannot prepare statement: ") + sqlite3_errmsg(db) + " in: " + sql;
            stmt_ = nullptr;
        }
    }
    ~PreparedStatement()
    {
        if (stmt_) sqlite3_finalize(stmt_);
    }
    PreparedStatement(const PreparedStatement &) = delete;
    PreparedStatement &operator=(const PreparedStatement &) = delete;

    Status bind(const std::vector<SqlValue> &params)
    {
        if (!stmt_) return make_error(Errc::internal, error_);
        for (size_t i = 0; i < params.size(); ++i) {
            const int index = static_cast<int>(i) + 1;
            const SqlValue &value = params[i];
            int rc;
            if (const int64_t *number = value.if_integer())
                rc = sqlite3_bind_int64(stmt_, index, *number);
            else if (const std::string *text = value.if_text())
                rc = sqlite3_bind_text(stmt_, index, text->data(), static_cast<int>(text->size()), SQLITE_TRANSIENT);
            else
                rc = sqlite3_bind_null(stmt_, index);
            if (rc != SQLITE_OK) return failure("cannot bind a registry query parameter");
        }
        return {};
    }

    Result<SqlRows> run()
    {
        SqlRows out;
        for (;;) {
            const int rc = sqlite3_step(stmt_);
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) return failure("registry query failed");
            out.rows.push_back(current_row());
        }
        out.affected = sqlite3_stmt_readonly(stmt_) ? 0 : sqlite3_changes64(db_);
        return out;
    }

private:
    SqlRow current_row() const
    {
        const int count = sqlite3_column_count(stmt_);
        std::vector<SqlValue> columns;
        columns.reserve(static_cast<size_t>(count));
        for (int c = 0; c < count; ++c) {
            switch (sqlite3_column_type(stmt_, c)) {
            case SQLITE_NULL:
                columns.emplace_back();
                break;
            case SQLITE_INTEGER:
                columns.emplace_back(int64_t{sqlite3_column_int64(stmt_, c)});
                break;
            default: {
                const unsigned char *text = sqlite3_column_text(stmt_, c);
                const int size = sqlite3_column_bytes(stmt_, c);
                columns.emplace_back(text ? std::string(reinterpret_cast<const char *>(text), static_cast<size_t>(size))
                                          : std::string());
            }
            }
        }
        return SqlRow(std::move(columns));
    }

    Error failure(const std::string &what) const { return make_error(Errc::io, what + ": " + sqlite3_errmsg(db_)); }

    sqlite3 *db_;
    sqlite3_stmt *stmt_ = nullptr;
    std::string error_;
};

class SqliteConnection final : public SqlConnection {
public:
    explicit SqliteConnection(sqlite3 *db) : db_(db) {}

    Result<SqlRows> query(const std::string &sql, const std::vector<SqlValue> &params) override
    {
        PreparedStatement statement(db_, sql);
        DMC_TRY_VOID(statement.bind(params));
        return statement.run();
    }

    Status execute_script(const std::string &sql) override
    {
        char *error = nullptr;
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
            std::string message = error ? error : "unknown error";
            sqlite3_free(error);
            return make_error(Errc::io, "registry statement failed: " + message);
        }
        return {};
    }

private:
    sqlite3 *db_;
};

class SqliteDialect final : public SqlDialect {
public:
    ~SqliteDialect() override
    {
        if (db_) sqlite3_close_v2(db_);
    }

    Status open(const std::string &path)
    {
        const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
        if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
            std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
            return make_error(Errc::io, "cannot open registry " + path + ": " + message);
        }
        sqlite3_busy_timeout(db_, kBusyTimeoutMs);
        SqliteConnection connection(db_);
        return connection.execute_script("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON");
    }

    std::string name() const override { return "sqlite"; }

    Status transact(TxMode mode, const std::function<Status(SqlConnection &)> &body) override
    {
        std::lock_guard lock(mutex_);
        SqliteConnection connection(db_);
        DMC_TRY_VOID(connection.execute_script(mode == TxMode::write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED"));
        Status outcome = body(connection);
        if (outcome) outcome = connection.execute_script("COMMIT");
        // A failed body, or a COMMIT that failed, leaves the transaction open.
        if (!sqlite3_get_autocommit(db_)) (void)connection.execute_script("ROLLBACK");
        return outcome;
    }

    std::string lock_rows_clause() const override { return ""; }
    std::string lock_first_free_row_clause(std::string_view) const override { return ""; }
    Status serialize_migrations(SqlConnection &) override { return {}; }

private:
    sqlite3 *db_ = nullptr;
    std::mutex mutex_;
};

} // namespace

Result<std::unique_ptr<SqlDialect>> open_sqlite_dialect(const std::string &path)
{
    auto dialect = std::make_unique<SqliteDialect>();
    DMC_TRY_VOID(dialect->open(path));
    return std::unique_ptr<SqlDialect>(std::move(dialect));
}

} // namespace dmc::service
