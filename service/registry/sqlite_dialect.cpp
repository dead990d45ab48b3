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

#include <filesystem>
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
            case SQLITE_NULL: columns.emplace_back(); break;
            case SQLITE_INTEGER: columns.emplace_back(int64_t{sqlite3_column_int64(stmt_, c)}); break;
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
        // SQLite takes an empty file for a new database: a registry
        // truncated to nothing would come back empty, its sectors forgotten.
        std::error_code ec;
        const bool existed = std::filesystem::exists(path, ec);
        if (existed && std::filesystem::file_size(path, ec) == 0 && !ec)
            return refuse(path, "the file is empty (truncated?)");
        const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
        if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
            std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
            return make_error(Errc::io, "cannot open registry " + path + ": " + message);
        }
        sqlite3_busy_timeout(db_, kBusyTimeoutMs);
        SqliteConnection connection(db_);
        // Checked before anything is written (switching to WAL rewrites the
        // header): a file that is refused is left exactly as it was.
        if (existed) DMC_TRY_VOID(check_existing(path, connection));
        if (Status st = connection.execute_script("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA "
                                                  "foreign_keys=ON");
            !st)
            return refuse(path, st.error().message);
        return {};
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
    static Error refuse(const std::string &path, const std::string &why)
    {
        return make_error(Errc::corrupt, "registry " + path + " is damaged (" + why +
                                             "): the manager will not start on it; restore it from a backup, or move "
                                             "it away to start an empty registry");
    }

    // A registry that exists must read back whole (a truncated or corrupted
    // file is refused, never migrated into an empty one) and be one.
    Status check_existing(const std::string &path, SqliteConnection &connection)
    {
        auto checked = connection.query("PRAGMA quick_check", {});
        if (!checked) return refuse(path, checked.error().message);
        if (checked->rows.empty() || checked->rows.front().text(0) != "ok")
            return refuse(path, checked->rows.empty() ? "quick_check answered nothing" : checked->rows.front().text(0));
        auto tables = connection.query("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = "
                                       "'schema_migrations'",
                                       {});
        if (!tables) return refuse(path, tables.error().message);
        if (tables->rows.empty() || tables->rows.front().integer(0) != 1)
            return refuse(path, "an SQLite file without the registry's tables");
        return {};
    }

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
