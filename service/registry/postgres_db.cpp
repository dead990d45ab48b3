// SPDX-License-Identifier: Apache-2.0
#include "service/registry/postgres_db.hpp"

#include <chrono>
#include <cstdlib>
#include <thread>

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

namespace dmc::service::pg {

namespace {

// SQLSTATEs after which running the whole transaction again may succeed:
// serialization failure, deadlock, and a unique key inserted meanwhile by
// another manager (the retry then sees the row and takes the other path).
bool retryable_sqlstate(const std::string &state) { return state == "40001" || state == "40P01" || state == "23505"; }

void notice_to_log(void *, const char *message)
{
    std::string m(message ? message : "");
    while (!m.empty() && m.back() == '\n') m.pop_back();
    spdlog::debug("postgres: {}", m);
}

std::string trimmed(const char *text)
{
    std::string s(text ? text : "");
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

} // namespace

// ------------------------------------------------------------ rows

Rows::Rows(pg_result *res) : res_(res) {}

Rows::~Rows()
{
    if (res_) PQclear(res_);
}

Rows &Rows::operator=(Rows &&o) noexcept
{
    if (this != &o) {
        if (res_) PQclear(res_);
        res_ = o.res_;
        o.res_ = nullptr;
    }
    return *this;
}

int Rows::size() const { return res_ ? PQntuples(res_) : 0; }

int Rows::columns() const { return res_ ? PQnfields(res_) : 0; }

int64_t Rows::affected() const
{
    const char *n = res_ ? PQcmdTuples(res_) : "";
    return (n && *n) ? std::strtoll(n, nullptr, 10) : 0;
}

bool Rows::is_null(int row, int col) const { return PQgetisnull(res_, row, col) != 0; }

std::string Rows::col_text(int row, int col) const
{
    return std::string(PQgetvalue(res_, row, col), static_cast<size_t>(PQgetlength(res_, row, col)));
}

// ------------------------------------------------------------ connection

Result<std::unique_ptr<Connection>> Connection::open(const std::string &url)
{
    // Defaults first: values given in the URL override them (libpq applies
    // later keywords over earlier ones, the expanded dbname included).
    const char *keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char *values[] = {"10", "damocles-manager", url.c_str(), nullptr};
    std::unique_ptr<Connection> c(new Connection());
    c->conn_ = PQconnectdbParams(keywords, values, 1);
    if (!c->conn_) return make_error(Errc::no_memory, "cannot allocate a PostgreSQL connection");
    if (PQstatus(c->conn_) != CONNECTION_OK)
        return make_error(Errc::io, "cannot connect to the PostgreSQL registry " + redact_url(url) + ": " +
                                        trimmed(PQerrorMessage(c->conn_)));
    PQsetNoticeProcessor(c->conn_, notice_to_log, nullptr);
    return c;
}

Connection::~Connection()
{
    if (conn_) PQfinish(conn_);
}

bool Connection::broken() const { return !conn_ || PQstatus(conn_) != CONNECTION_OK; }

bool Connection::reset()
{
    if (!conn_) return false;
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) return false;
    PQsetNoticeProcessor(conn_, notice_to_log, nullptr);
    return true;
}

Error Connection::failure(const std::string &what, pg_result *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    last_sqlstate_ = state ? state : "";
    std::string message = trimmed(res ? PQresultErrorMessage(res) : nullptr);
    if (message.empty()) message = trimmed(PQerrorMessage(conn_));
    if (res) PQclear(res);
    Errc code = Errc::io;
    if (last_sqlstate_ == "23505") code = Errc::conflict;
    return make_error(code, "registry (PostgreSQL) " + what + " failed: " + message);
}

Result<Rows> Connection::exec(const std::string &sql, const std::vector<Param> &params)
{
    std::vector<const char *> values;
    values.reserve(params.size());
    for (const auto &prm : params) values.push_back(prm ? prm->c_str() : nullptr);
    pg_result *res = PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                                  values.empty() ? nullptr : values.data(), nullptr, nullptr, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return failure("query", res);
    return Rows(res);
}

Status Connection::exec_script(const std::string &sql)
{
    pg_result *res = PQexec(conn_, sql.c_str());
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return failure("script", res);
    PQclear(res);
    return {};
}

// ------------------------------------------------------------ pool

Pool::Pool(std::string url, size_t max_size) : url_(std::move(url)), max_size_(max_size ? max_size : 1) {}

Pool::~Pool() = default;

Pool::Lease::~Lease()
{
    if (conn_) pool_->give_back(std::move(conn_));
}

void Pool::give_back(std::unique_ptr<Connection> conn)
{
    {
        std::lock_guard lock(mu_);
        idle_.push_back(std::move(conn));
    }
    cv_.notify_one();
}

Result<Pool::Lease> Pool::acquire()
{
    std::unique_ptr<Connection> conn;
    {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return !idle_.empty() || open_ < max_size_; });
        if (!idle_.empty()) {
            conn = std::move(idle_.back());
            idle_.pop_back();
        } else {
            ++open_;
        }
    }
    if (!conn) {
        auto opened = Connection::open(url_);
        if (!opened) {
            {
                std::lock_guard lock(mu_);
                --open_;
            }
            cv_.notify_one();
            return opened.error();
        }
        conn = std::move(*opened);
    } else if (conn->broken() && !conn->reset()) {
        // The server went away (restart, failover): report it, keep the
        // slot's connection for the next try.
        give_back(std::move(conn));
        return make_error(Errc::io, "the PostgreSQL registry " + redact_url(url_) + " is unreachable");
    }
    return Lease(this, std::move(conn));
}

// ------------------------------------------------------------ transactions

Status transact(Pool &pool, TxMode mode, const std::function<Status(Connection &)> &body)
{
    const char *begin = mode == TxMode::read_write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    constexpr int kAttempts = 3;
    Error last = make_error(Errc::internal, "registry transaction not attempted");
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5 * attempt));
        auto lease = pool.acquire();
        if (!lease) {
            last = lease.error();
            continue;
        }
        Connection &c = **lease;
        c.clear_sqlstate();
        auto b = c.exec(begin);
        if (!b) {
            last = b.error();
            continue; // a connection that broke while idle: the next acquire resets it
        }
        Status st = body(c);
        if (st) {
            auto commit = c.exec("COMMIT");
            if (commit) return {};
            // A lost connection during COMMIT leaves the outcome unknown:
            // never run the body twice then.
            if (!retryable_sqlstate(c.last_sqlstate())) return commit.error();
            last = commit.error();
            continue;
        }
        const bool lost = c.broken();
        const bool retry = lost || retryable_sqlstate(c.last_sqlstate());
        if (!lost) (void)c.exec("ROLLBACK");
        if (!retry) return st;
        spdlog::debug("registry transaction retried ({}): {}", c.last_sqlstate(), st.error().message);
        last = st.error();
    }
    return last;
}

std::string redact_url(const std::string &url)
{
    std::string out = url;
    auto scheme = out.find("://");
    if (scheme != std::string::npos) {
        auto at = out.find('@', scheme + 3);
        auto slash = out.find('/', scheme + 3);
        if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
            auto colon = out.find(':', scheme + 3);
            if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
        }
    }
    for (size_t pos = out.find("password="); pos != std::string::npos; pos = out.find("password=", pos + 1)) {
        size_t start = pos + 9;
        size_t end = out.find_first_of("& ", start);
        out.replace(start, (end == std::string::npos ? out.size() : end) - start, "***");
    }
    return out;
}

} // namespace dmc::service::pg
