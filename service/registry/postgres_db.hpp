// SPDX-License-Identifier: Apache-2.0
//
// Thin layer over libpq for the PostgreSQL registry (postgres_dialect.cpp
// puts it behind the dialect interface): a connection with parameterized
// statements in text format, result rows, a small connection pool that
// reconnects after a server restart, and transactions that are retried when
// PostgreSQL says a retry may succeed (serialization failure, deadlock, a
// unique key raced by another manager, a connection lost before COMMIT).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "damocles/sdk/result.hpp"

struct pg_conn;
struct pg_result;

namespace dmc::service::pg {

// A statement parameter in text format; nullopt is SQL NULL.
using Param = std::optional<std::string>;

class Rows {
public:
    Rows() = default;
    explicit Rows(pg_result *res);
    ~Rows();
    Rows(Rows &&o) noexcept : res_(o.res_) { o.res_ = nullptr; }
    Rows &operator=(Rows &&o) noexcept;
    Rows(const Rows &) = delete;
    Rows &operator=(const Rows &) = delete;

    int size() const;
    int columns() const;
    bool empty() const { return size() == 0; }
    // Rows changed by INSERT/UPDATE/DELETE.
    int64_t affected() const;
    bool is_null(int row, int col) const;
    std::string col_text(int row, int col) const;

private:
    pg_result *res_ = nullptr;
};

class Connection {
public:
    // `url`: postgres://user:password@host:port/db?… (libpq's URI syntax).
    static Result<std::unique_ptr<Connection>> open(const std::string &url);
    ~Connection();
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    Result<Rows> exec(const std::string &sql, const std::vector<Param> &params = {});
    // Several ';'-separated statements without parameters (migrations).
    Status exec_script(const std::string &sql);
    // SQLSTATE of the last failed statement ("" when none, or no server answer).
    const std::string &last_sqlstate() const { return last_sqlstate_; }
    void clear_sqlstate() { last_sqlstate_.clear(); }
    bool broken() const;
    // Reconnects a broken connection; false when the server is unreachable.
    bool reset();

private:
    Connection() = default;
    Error failure(const std::string &what, pg_result *res);
    pg_conn *conn_ = nullptr;
    std::string last_sqlstate_;
};

// Connections opened on demand, up to `max_size`, reused in LIFO order.
class Pool {
public:
    Pool(std::string url, size_t max_size);
    ~Pool();

    class Lease {
    public:
        Lease(Pool *pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
        ~Lease();
        Lease(Lease &&o) noexcept = default;
        Lease &operator=(Lease &&) = delete;
        Connection &operator*() const { return *conn_; }
        Connection *operator->() const { return conn_.get(); }

    private:
        Pool *pool_;
        std::unique_ptr<Connection> conn_;
    };
    Result<Lease> acquire();
    const std::string &url() const { return url_; }

private:
    void give_back(std::unique_ptr<Connection> conn);
    std::string url_;
    size_t max_size_;
    size_t open_ = 0;
    std::mutex mu_;
    std::condition_variable cv_;
    std::vector<std::unique_ptr<Connection>> idle_;
};

enum class TxMode {
    read_write,         // READ COMMITTED: row locks decide who wins a race
    read_only_snapshot, // REPEATABLE READ READ ONLY: a listing sees one moment
};

// Runs `body` between BEGIN and COMMIT on a pooled connection; rolls back
// when it fails, and runs it again (up to 3 times) when the failure is one a
// retry can cure. `body` returns an error to abort without a retry.
Status transact(Pool &pool, TxMode mode, const std::function<Status(Connection &)> &body);

// "postgres://user:***@host/db": the URL without its password, for logs.
std::string redact_url(const std::string &url);

} // namespace dmc::service::pg
