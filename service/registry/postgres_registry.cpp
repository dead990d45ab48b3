// SPDX-License-Identifier: Apache-2.0
//
// PostgreSQL registry. Every method is one transaction on a pooled
// connection (pg::transact). Concurrency design, for several manager
// processes on one database:
// * rebuild queue allocation locks the first allocatable row with
//   `FOR UPDATE OF q SKIP LOCKED`: two managers allocating at once take
//   different rows instead of waiting for each other, and a row whose lease
//   another manager just took fails PostgreSQL's re-check of the WHERE
//   clause, so it is never handed out twice. The lease id comes from the
//   `counters` row, updated last so its row lock is held only until COMMIT.
// * every lease check (report, finalize, abort, cancel) reads the queue row
//   `FOR UPDATE`, so a finalize and a re-allocation of the same sector are
//   serialized; mark_for_rebuild's conditional UPDATE does the same for
//   "offline before queued".
// * listings run in a read-only REPEATABLE READ transaction: the sector,
//   piece and snap rows they join come from one snapshot.
#include "service/registry/postgres_registry.hpp"

#include <chrono>
#include <map>

#include <spdlog/spdlog.h>

#include "service/registry/postgres_db.hpp"
#include "service/registry/postgres_queries.hpp"
#include "service/registry/registry_codec.hpp"
#include "service/registry/registry_schema.hpp"

namespace dmc::service {

using namespace dmc::core;

using pg::Connection;
using pg::p;
using pg::Rows;
using pg::TxMode;
using namespace pgq;

namespace {

// Connections per manager process: the HTTP server's worker threads (8 by
// default) never wait for one another on the pool.
constexpr size_t kPoolSize = 8;

// Any constant: the key of the advisory lock that serializes migrations.
constexpr int64_t kMigrationLock = 0x646d632d72656731;  // "dmc-reg1"

} // namespace

struct PostgresRegistry::Impl {
    explicit Impl(const std::string &url) : pool(url, kPoolSize) {}
    pg::Pool pool;

    Status tx(const std::function<Status(Connection &)> &body) { return pg::transact(pool, TxMode::read_write, body); }
    Status snapshot(const std::function<Status(Connection &)> &body)
    {
        return pg::transact(pool, TxMode::read_only_snapshot, body);
    }

    Status migrate()
    {
        return tx([](Connection &c) -> Status {
            auto locked = c.exec("SELECT pg_advisory_xact_lock($1)", {p(kMigrationLock)});
            if (!locked) return locked.error();
            DMC_TRY_VOID(c.exec_script("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                                       "description TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
            Rows v;
            DMC_TRY_ASSIGN(v, c.exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
            const int current = static_cast<int>(v.col_int(0, 0));
            const auto &all = registry_migrations();
            const int latest = all.empty() ? 0 : all.back().version;
            if (current > latest)
                return make_error(Errc::unsupported, "registry schema version " + std::to_string(current) +
                                                         " is newer than this program supports (" +
                                                         std::to_string(latest) + "); upgrade damocles-run");
            for (const auto &m : all) {
                if (m.version <= current) continue;
                DMC_TRY_VOID(c.exec_script(m.sql));
                auto rec =
                    c.exec("INSERT INTO schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)",
                           {p(int64_t{m.version}), p(m.description), p(now_seconds())});
                if (!rec) return rec.error();
                spdlog::info("registry: applied migration {} ({})", m.version, m.description);
            }
            return {};
        });
    }
};

PostgresRegistry::PostgresRegistry() = default;
PostgresRegistry::~PostgresRegistry() = default;

Result<std::unique_ptr<PostgresRegistry>> PostgresRegistry::open(const std::string &url)
{
    std::unique_ptr<PostgresRegistry> reg(new PostgresRegistry());
    reg->impl_ = std::make_unique<Impl>(url);
    DMC_TRY_VOID(reg->impl_->migrate());
    return reg;
}

Result<int> PostgresRegistry::schema_version()
{
    int version = 0;
    DMC_TRY_VOID(impl_->snapshot([&](Connection &c) -> Status {
        Rows v;
        DMC_TRY_ASSIGN(v, c.exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
        version = static_cast<int>(v.col_int(0, 0));
        return {};
    }));
    return version;
}

Result<ImportOutcome> PostgresRegistry::import_sector(const SectorRecord &record, bool replace)
{
    ImportOutcome outcome = ImportOutcome::added;
    DMC_TRY_VOID(impl_->tx([&](Connection &c) -> Status {
        std::optional<SectorRecord> existing;
        DMC_TRY_ASSIGN(existing, get_sector_tx(c, record.key, true));
        codec::ImportPlan plan;
        DMC_TRY_ASSIGN(plan, codec::plan_import(existing, record, replace));
        outcome = plan.outcome;
        if (outcome == ImportOutcome::unchanged) return {};
        if (outcome == ImportOutcome::replaced) DMC_TRY_VOID(delete_sector_tx(c, record.key));
        return write_sector_tx(c, plan.to_write);
    }));
    return outcome;
}

Result<std::optional<SectorRecord>> PostgresRegistry::get_sector(const SectorKey &key)
{
    std::optional<SectorRecord> out;
    DMC_TRY_VOID(impl_->snapshot([&](Connection &c) -> Status {
        DMC_TRY_ASSIGN(out, get_sector_tx(c, key));
        return {};
    }));
    return out;
}

Result<std::vector<SectorRecord>> PostgresRegistry::list_sectors(const SectorFilter &filter)
{
    std::string where = " WHERE 1 = 1";
    std::vector<pg::Param> params;
    if (filter.online) where += *filter.online ? " AND s.online = 1" : " AND s.online = 0";
    if (filter.miner) {
        params.push_back(p(*filter.miner));
        where += " AND s.miner = $" + std::to_string(params.size());
    }
    if (filter.store) {
        params.push_back(p(*filter.store));
        where += " AND s.store = $" + std::to_string(params.size());
    }
    std::vector<SectorRecord> out;
    DMC_TRY_VOID(impl_->snapshot([&](Connection &c) -> Status {
        out.clear();
        std::string cols;
        for (std::string_view rest = kSectorColumns; !rest.empty();) {
            auto comma = rest.find(", ");
            cols += (cols.empty() ? "s." : ", s.") + std::string(rest.substr(0, comma));
            rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 2);
        }
        Rows rows;
        DMC_TRY_ASSIGN(rows,
                       c.exec("SELECT " + cols + " FROM sectors s" + where + " ORDER BY s.miner, s.number", params));
        std::map<SectorKey, size_t> index;
        for (int i = 0; i < rows.size(); ++i) {
            out.push_back(read_sector_row(rows, i));
            index[out.back().key] = out.size() - 1;
        }
        // Pieces and snap info of the same sectors, one query each.
        Rows snaps;
        DMC_TRY_ASSIGN(snaps, c.exec("SELECT x.miner, x.number, x.proof, x.comm_d_new, x.comm_r_new FROM snap_info x "
                                     "JOIN sectors s ON s.miner = x.miner AND s.number = x.number" +
                                         where,
                                     params));
        for (int i = 0; i < snaps.size(); ++i) {
            SectorKey k{static_cast<uint64_t>(snaps.col_int(i, 0)), static_cast<uint64_t>(snaps.col_int(i, 1))};
            if (auto it = index.find(k); it != index.end())
                out[it->second].snap =
                    SnapRecord{snaps.col_text(i, 2), snaps.col_opt_text(i, 3), snaps.col_opt_text(i, 4), {}};
        }
        Rows pieces;
        DMC_TRY_ASSIGN(pieces, c.exec("SELECT x.miner, x.number, x.kind, x.cid, x.size, x.piece_offset, x.deal_id, "
                                      "x.source FROM pieces x JOIN sectors s ON s.miner = x.miner AND s.number = "
                                      "x.number" +
                                          where + " ORDER BY x.miner, x.number, x.kind, x.idx",
                                      params));
        for (int i = 0; i < pieces.size(); ++i) {
            SectorKey k{static_cast<uint64_t>(pieces.col_int(i, 0)), static_cast<uint64_t>(pieces.col_int(i, 1))};
            auto it = index.find(k);
            if (it == index.end()) continue;
            SectorRecord &s = out[it->second];
            if (pieces.col_text(i, 2) == "snap") {
                if (s.snap) s.snap->pieces.push_back(read_piece_row(pieces, i, 3));
            } else {
                s.pieces.push_back(read_piece_row(pieces, i, 3));
            }
        }
        return {};
    }));
    return out;
}

Status PostgresRegistry::set_location(const SectorKey &key, const std::string &store)
{
    return impl_->tx([&](Connection &c) -> Status {
        Rows r;
        DMC_TRY_ASSIGN(r, c.exec("UPDATE sectors SET store = $1, updated_at = $2 WHERE miner = $3 AND number = $4",
                                 {p(store), p(now_seconds()), p(key.miner), p(key.number)}));
        if (r.affected() == 0) return make_error(Errc::not_found, "sector " + sector_id_string(key) + " not found");
        return {};
    });
}

Status PostgresRegistry::set_tree_roots(const SectorKey &key, const Bytes32 &comm_c, const Bytes32 &comm_r_last)
{
    return impl_->tx([&](Connection &c) -> Status {
        Rows r;
        DMC_TRY_ASSIGN(
            r, c.exec("UPDATE sectors SET comm_c = $1, comm_r_last = $2, updated_at = $3 WHERE miner = $4 "
                      "AND number = $5",
                      {p(to_hex(comm_c)), p(to_hex(comm_r_last)), p(now_seconds()), p(key.miner), p(key.number)}));
        if (r.affected() == 0) return make_error(Errc::not_found, "sector " + sector_id_string(key) + " not found");
        return {};
    });
}

Result<bool> PostgresRegistry::mark_for_rebuild(const SectorKey &key, int32_t priority, bool pieces_available,
                                                int64_t now)
{
    bool marked = false;
    DMC_TRY_VOID(impl_->tx([&](Connection &c) -> Status {
        marked = false;
        Rows up;
        DMC_TRY_ASSIGN(up, c.exec("UPDATE sectors SET online = 1, need_rebuild = 1, finalized = 0, updated_at = $1 "
                                  "WHERE miner = $2 AND number = $3 AND online = 0 AND removed = 0",
                                  {p(now), p(key.miner), p(key.number)}));
        if (up.affected() == 0) return {};
        int64_t seq;
        DMC_TRY_ASSIGN(seq, next_counter(c, "queue_seq"));
        auto ins = c.exec("INSERT INTO rebuild_queue (miner, number, priority, seq, enqueued_at, pieces_available) "
                          "VALUES ($1, $2, $3, $4, $5, $6)",
                          {p(key.miner), p(key.number), p(priority), p(seq), p(now), p(pieces_available)});
        if (!ins) return ins.error();
        marked = true;
        return {};
    }));
    return marked;
}

Result<std::optional<Allocation>> PostgresRegistry::allocate(const AllocationFilter &filter, int64_t now)
{
    std::optional<Allocation> out;
    DMC_TRY_VOID(impl_->tx([&](Connection &c) -> Status {
        out.reset();
        Rows pick;
        DMC_TRY_ASSIGN(pick,
                       c.exec("SELECT q.miner, q.number FROM rebuild_queue q JOIN sectors s ON s.miner = q.miner "
                              "AND s.number = q.number WHERE (q.lease_worker = '' OR q.lease_expires < $1) AND "
                              "q.cancel_requested = 0 AND ($2::bigint[] IS NULL OR q.miner = ANY($2::bigint[])) "
                              "AND ($3::bigint[] IS NULL OR s.proof = ANY($3::bigint[])) ORDER BY q.priority "
                              "DESC, q.seq ASC LIMIT 1 FOR UPDATE OF q SKIP LOCKED",
                              {p(now), pg::id_array(filter.allowed_miners), pg::id_array(filter.allowed_proofs)}));
        if (pick.empty()) return {};
        const SectorKey key{static_cast<uint64_t>(pick.col_int(0, 0)), static_cast<uint64_t>(pick.col_int(0, 1))};
        std::optional<SectorRecord> sector;
        DMC_TRY_ASSIGN(sector, get_sector_tx(c, key));
        if (!sector) return make_error(Errc::internal, "queue entry without sector record");
        int64_t lease_id;
        DMC_TRY_ASSIGN(lease_id, next_counter(c, "lease_id"));
        Rows entry;
        DMC_TRY_ASSIGN(entry, c.exec(std::string("UPDATE rebuild_queue SET lease_worker = $1, lease_location = $2, "
                                                 "lease_id = $3, lease_expires = $4, allocations = allocations + 1 "
                                                 "WHERE miner = $5 AND number = $6 RETURNING ") +
                                         kQueueColumns,
                                     {p(filter.worker.empty() ? std::string("?") : filter.worker), p(filter.location),
                                      p(lease_id), p(now + filter.lease_seconds), p(key.miner), p(key.number)}));
        if (entry.empty()) return make_error(Errc::internal, "queue entry vanished while locked");
        out = Allocation{std::move(*sector), read_queue_row(entry, 0)};
        return {};
    }));
    return out;
}

Result<ReportOutcome> PostgresRegistry::report_state(const SectorKey &key, uint64_t lease_id, const LatestState &state,
                                                     int64_t lease_until)
{
    ReportOutcome out;
    DMC_TRY_VOID(impl_->tx([&](Connection &c) -> Status {
        out = ReportOutcome{};
        Rows s;
        DMC_TRY_ASSIGN(s, c.exec("SELECT online FROM sectors WHERE miner = $1 AND number = $2", key_params(key)));
        if (s.empty()) return make_error(Errc::not_found, "sector state not found: " + sector_id_string(key));
        out.online = s.col_int(0, 0) != 0;
        std::optional<QueueEntry> entry;
        DMC_TRY_ASSIGN(entry, queue_get_tx(c, key, true));
        out.lease_valid = entry && entry->lease_id == lease_id;
        out.cancel_requested = entry && entry->cancel_requested;
        if (!out.online || !out.lease_valid) return {};
        auto st = c.exec("UPDATE sectors SET latest_state = $1, updated_at = $2 WHERE miner = $3 AND number = $4",
                         {p(codec::latest_state_json(state)), p(now_seconds()), p(key.miner), p(key.number)});
        if (!st) return st.error();
        auto lease = c.exec("UPDATE rebuild_queue SET lease_expires = $1 WHERE miner = $2 AND number = $3",
                            {p(lease_until), p(key.miner), p(key.number)});
        if (!lease) return lease.error();
        return {};
    }));
    return out;
}

Status PostgresRegistry::finalize(const SectorKey &key, uint64_t lease_id, const std::string &store)
{
    return impl_->tx([&](Connection &c) -> Status {
        std::optional<QueueEntry> entry;
        DMC_TRY_ASSIGN(entry, queue_get_tx(c, key, true));
        if (!entry || entry->lease_id != lease_id) return not_leased(key);
        auto st =
            c.exec("UPDATE sectors SET online = 0, need_rebuild = 0, finalized = 1, abort_reason = '', store = $1, "
                   "updated_at = $2 WHERE miner = $3 AND number = $4",
                   {p(store), p(now_seconds()), p(key.miner), p(key.number)});
        if (!st) return st.error();
        return drop_queue_and_reservation(c, key);
    });
}

Status PostgresRegistry::abort(const SectorKey &key, uint64_t lease_id, const std::string &reason)
{
    return impl_->tx([&](Connection &c) -> Status {
        Rows s;
        DMC_TRY_ASSIGN(
            s, c.exec("SELECT online FROM sectors WHERE miner = $1 AND number = $2 FOR UPDATE", key_params(key)));
        if (s.empty()) return make_error(Errc::not_found, "sector state not found: " + sector_id_string(key));
        if (lease_id != 0) {
            std::optional<QueueEntry> entry;
            DMC_TRY_ASSIGN(entry, queue_get_tx(c, key, true));
            if (!entry || entry->lease_id != lease_id) return not_leased(key);
        }
        auto st =
            c.exec("UPDATE sectors SET online = 0, finalized = 1, abort_reason = $1, updated_at = $2 WHERE miner = "
                   "$3 AND number = $4",
                   {p(reason), p(now_seconds()), p(key.miner), p(key.number)});
        if (!st) return st.error();
        return drop_queue_and_reservation(c, key);
    });
}

Result<CancelOutcome> PostgresRegistry::cancel(const SectorKey &key)
{
    CancelOutcome out = CancelOutcome::not_queued;
    DMC_TRY_VOID(impl_->tx([&](Connection &c) -> Status {
        out = CancelOutcome::not_queued;
        std::optional<QueueEntry> entry;
        DMC_TRY_ASSIGN(entry, queue_get_tx(c, key, true));
        if (!entry) return {};
        const int64_t now = now_seconds();
        if (entry->lease_worker.empty() || entry->lease_expires < now) {
            // Nobody works on it: back to offline with the data intact.
            auto st = c.exec("UPDATE sectors SET online = 0, finalized = 1, abort_reason = 'rebuild cancelled', "
                             "updated_at = $1 WHERE miner = $2 AND number = $3",
                             {p(now), p(key.miner), p(key.number)});
            if (!st) return st.error();
            DMC_TRY_VOID(drop_queue_and_reservation(c, key));
            out = CancelOutcome::removed_from_queue;
            return {};
        }
        DMC_TRY_VOID(
            exec_key(c, "UPDATE rebuild_queue SET cancel_requested = 1 WHERE miner = $1 AND number = $2", key));
        out = CancelOutcome::cancel_requested;
        return {};
    }));
    return out;
}

Result<std::optional<QueueEntry>> PostgresRegistry::queue_entry(const SectorKey &key)
{
    std::optional<QueueEntry> out;
    DMC_TRY_VOID(impl_->snapshot([&](Connection &c) -> Status {
        DMC_TRY_ASSIGN(out, queue_get_tx(c, key, false));
        return {};
    }));
    return out;
}

Result<std::vector<QueueEntry>> PostgresRegistry::list_queue()
{
    std::vector<QueueEntry> out;
    DMC_TRY_VOID(impl_->snapshot([&](Connection &c) -> Status {
        out.clear();
        Rows rows;
        DMC_TRY_ASSIGN(rows, c.exec(std::string("SELECT ") + kQueueColumns +
                                    " FROM rebuild_queue ORDER BY priority DESC, seq ASC"));
        for (int i = 0; i < rows.size(); ++i)
            out.push_back(read_queue_row(rows, i));
        return {};
    }));
    return out;
}

Status PostgresRegistry::upsert_worker(const WorkerRecord &w)
{
    return impl_->tx([&](Connection &c) -> Status {
        auto r = c.exec("INSERT INTO workers (name, address, version, last_ping, threads, empty, paused, running, "
                        "waiting, errors, threads_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON "
                        "CONFLICT (name) DO UPDATE SET address = excluded.address, version = excluded.version, "
                        "last_ping = excluded.last_ping, threads = excluded.threads, empty = excluded.empty, paused = "
                        "excluded.paused, running = excluded.running, waiting = excluded.waiting, errors = "
                        "excluded.errors, threads_json = excluded.threads_json",
                        {p(w.name), p(w.address), p(w.version), p(w.last_ping), p(w.threads), p(w.empty), p(w.paused),
                         p(w.running), p(w.waiting), p(w.errors), p(w.threads_json)});
        if (!r) return r.error();
        return {};
    });
}

Result<std::vector<WorkerRecord>> PostgresRegistry::list_workers()
{
    std::vector<WorkerRecord> out;
    DMC_TRY_VOID(impl_->snapshot([&](Connection &c) -> Status {
        out.clear();
        Rows rows;
        DMC_TRY_ASSIGN(rows, c.exec("SELECT name, address, version, last_ping, threads, empty, paused, running, "
                                    "waiting, errors, threads_json FROM workers ORDER BY name"));
        for (int i = 0; i < rows.size(); ++i) {
            WorkerRecord w;
            w.name = rows.col_text(i, 0);
            w.address = rows.col_text(i, 1);
            w.version = rows.col_text(i, 2);
            w.last_ping = rows.col_int(i, 3);
            w.threads = static_cast<uint32_t>(rows.col_int(i, 4));
            w.empty = static_cast<uint32_t>(rows.col_int(i, 5));
            w.paused = static_cast<uint32_t>(rows.col_int(i, 6));
            w.running = static_cast<uint32_t>(rows.col_int(i, 7));
            w.waiting = static_cast<uint32_t>(rows.col_int(i, 8));
            w.errors = static_cast<uint32_t>(rows.col_int(i, 9));
            w.threads_json = rows.col_text(i, 10);
            out.push_back(std::move(w));
        }
        return {};
    }));
    return out;
}

Status PostgresRegistry::upsert_store(const PersistStoreRecord &s)
{
    return impl_->tx([&](Connection &c) -> Status {
        auto r = c.exec("INSERT INTO persist_stores (name, path, weight, read_only, allow_miners, deny_miners) VALUES "
                        "($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO UPDATE SET path = excluded.path, weight = "
                        "excluded.weight, read_only = excluded.read_only, allow_miners = excluded.allow_miners, "
                        "deny_miners = excluded.deny_miners",
                        {p(s.name), p(s.path), p(s.weight), p(s.read_only), p(codec::id_list(s.allow_miners)),
                         p(codec::id_list(s.deny_miners))});
        if (!r) return r.error();
        return {};
    });
}

Result<std::vector<PersistStoreRecord>> PostgresRegistry::list_stores()
{
    std::vector<PersistStoreRecord> out;
    DMC_TRY_VOID(impl_->snapshot([&](Connection &c) -> Status {
        out.clear();
        Rows rows;
        DMC_TRY_ASSIGN(rows, c.exec("SELECT name, path, weight, read_only, allow_miners, deny_miners FROM "
                                    "persist_stores ORDER BY name"));
        for (int i = 0; i < rows.size(); ++i) {
            PersistStoreRecord s;
            s.name = rows.col_text(i, 0);
            s.path = rows.col_text(i, 1);
            s.weight = static_cast<uint32_t>(rows.col_int(i, 2));
            s.read_only = rows.col_int(i, 3) != 0;
            s.allow_miners = codec::parse_id_list(rows.col_text(i, 4));
            s.deny_miners = codec::parse_id_list(rows.col_text(i, 5));
            out.push_back(std::move(s));
        }
        return {};
    }));
    return out;
}

Result<std::vector<Reservation>> PostgresRegistry::list_reservations()
{
    std::vector<Reservation> out;
    DMC_TRY_VOID(impl_->snapshot([&](Connection &c) -> Status {
        out.clear();
        Rows rows;
        DMC_TRY_ASSIGN(rows, c.exec("SELECT store, miner, number, size, at FROM reservations ORDER BY store, miner, "
                                    "number"));
        for (int i = 0; i < rows.size(); ++i) {
            Reservation r;
            r.store = rows.col_text(i, 0);
            r.key = {static_cast<uint64_t>(rows.col_int(i, 1)), static_cast<uint64_t>(rows.col_int(i, 2))};
            r.size = static_cast<uint64_t>(rows.col_int(i, 3));
            r.at = rows.col_int(i, 4);
            out.push_back(r);
        }
        return {};
    }));
    return out;
}

Status PostgresRegistry::put_reservation(const Reservation &r)
{
    return impl_->tx([&](Connection &c) -> Status {
        auto res = c.exec("INSERT INTO reservations (miner, number, store, size, at) VALUES ($1, $2, $3, $4, $5) ON "
                          "CONFLICT (miner, number) DO UPDATE SET store = excluded.store, size = excluded.size, at = "
                          "excluded.at",
                          {p(r.key.miner), p(r.key.number), p(r.store), p(r.size), p(r.at)});
        if (!res) return res.error();
        return {};
    });
}

Status PostgresRegistry::release_reservation(const SectorKey &key)
{
    return impl_->tx(
        [&](Connection &c) { return exec_key(c, "DELETE FROM reservations WHERE miner = $1 AND number = $2", key); });
}

} // namespace dmc::service
