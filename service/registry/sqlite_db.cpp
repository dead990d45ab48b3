// SPDX-License-Identifier: Apache-2.0
#include "service/registry/sqlite_db.hpp"

namespace dmc::service::sqlite {

Statement::Statement(sqlite3 *db, const char *sql) : db_(db)
{
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
        error_ = std::string("cannot prepare statement: ") + sqlite3_errmsg(db) + " in: " + sql;
        stmt_ = nullptr;
    }
}

Statement::~Statement()
{
    if (stmt_) sqlite3_finalize(stmt_);
}

Statement &Statement::bind(int idx, int64_t v)
{
    sqlite3_bind_int64(stmt_, idx, v);
    return *this;
}

Statement &Statement::bind(int idx, const std::string &v)
{
    sqlite3_bind_text(stmt_, idx, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
}

Statement &Statement::bind_null(int idx)
{
    sqlite3_bind_null(stmt_, idx);
    return *this;
}

Statement &Statement::bind(int idx, const std::optional<std::string> &v)
{
    return v ? bind(idx, *v) : bind_null(idx);
}

Statement &Statement::bind(int idx, const std::optional<int64_t> &v) { return v ? bind(idx, *v) : bind_null(idx); }

Result<bool> Statement::step()
{
    if (!stmt_) return make_error(Errc::internal, error_);
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return make_error(Errc::io, std::string("registry query failed: ") + sqlite3_errmsg(db_));
}

Status Statement::run()
{
    for (;;) {
        auto r = step();
        if (!r) return r.error();
        if (!*r) return {};
    }
}

void Statement::reset()
{
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

int64_t Statement::col_int(int idx) const { return sqlite3_column_int64(stmt_, idx); }

std::string Statement::col_text(int idx) const
{
    const unsigned char *t = sqlite3_column_text(stmt_, idx);
    int n = sqlite3_column_bytes(stmt_, idx);
    return t ? std::string(reinterpret_cast<const char *>(t), static_cast<size_t>(n)) : std::string();
}

bool Statement::col_null(int idx) const { return sqlite3_column_type(stmt_, idx) == SQLITE_NULL; }

std::optional<std::string> Statement::col_opt_text(int idx) const
{
    if (col_null(idx)) return std::nullopt;
    return col_text(idx);
}

std::optional<int64_t> Statement::col_opt_int(int idx) const
{
    if (col_null(idx)) return std::nullopt;
    return col_int(idx);
}

Database::~Database()
{
    if (db_) sqlite3_close_v2(db_);
}

Status Database::open(const std::string &path)
{
    int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
        return make_error(Errc::io, "cannot open registry " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 10000);
    DMC_TRY_VOID(exec("PRAGMA journal_mode=WAL"));
    DMC_TRY_VOID(exec("PRAGMA synchronous=FULL"));
    DMC_TRY_VOID(exec("PRAGMA foreign_keys=ON"));
    return {};
}

Status Database::exec(const std::string &sql)
{
    char *err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown error";
        sqlite3_free(err);
        return make_error(Errc::io, "registry statement failed: " + msg);
    }
    return {};
}

int64_t Database::changes() const { return sqlite3_changes64(db_); }

Error Database::error(const std::string &what) const
{
    return make_error(Errc::io, what + ": " + sqlite3_errmsg(db_));
}

Transaction::Transaction(Database &db) : db_(db) { begin_ = db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction()
{
    if (begin_.ok() && !done_) (void)db_.exec("ROLLBACK");
}

Status Transaction::commit()
{
    done_ = true;
    return db_.exec("COMMIT");
}

} // namespace dmc::service::sqlite
