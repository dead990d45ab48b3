// SPDX-License-Identifier: Apache-2.0
//
// Thin RAII layer over the SQLite C API: a connection, prepared statements
// with typed binds/columns, and errors turned into dmc::Error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <sqlite3.h>

#include "damocles/sdk/result.hpp"

namespace dmc::service::sqlite {

class Statement {
public:
    Statement(sqlite3 *db, const char *sql);
    ~Statement();
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    bool ok() const { return stmt_ != nullptr; }
    const std::string &prepare_error() const { return error_; }

    Statement &bind(int idx, int64_t v);
    Statement &bind(int idx, const std::string &v);
    Statement &bind_null(int idx);
    Statement &bind(int idx, const std::optional<std::string> &v);
    Statement &bind(int idx, const std::optional<int64_t> &v);

    // SQLITE_ROW -> true, SQLITE_DONE -> false, else error.
    Result<bool> step();
    Status run();  // step until DONE
    void reset();

    int64_t col_int(int idx) const;
    std::string col_text(int idx) const;
    bool col_null(int idx) const;
    std::optional<std::string> col_opt_text(int idx) const;
    std::optional<int64_t> col_opt_int(int idx) const;

private:
    sqlite3 *db_;
    sqlite3_stmt *stmt_ = nullptr;
    std::string error_;
};

class Database {
public:
    Database() = default;
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    Status open(const std::string &path);
    sqlite3 *handle() const { return db_; }
    Status exec(const std::string &sql);
    int64_t changes() const;
    Error error(const std::string &what) const;

private:
    sqlite3 *db_ = nullptr;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back unless commit() succeeded.
class Transaction {
public:
    explicit Transaction(Database &db);
    ~Transaction();
    const Status &begin_status() const { return begin_; }
    Status commit();

private:
    Database &db_;
    Status begin_;
    bool done_ = false;
};

} // namespace dmc::service::sqlite
