// SPDX-License-Identifier: Apache-2.0
//
// SQLite registry: workers, persist stores and reservations.
#include "service/registry/sqlite_registry_impl.hpp"

namespace dmc::service {

using namespace dmc::core;

Status SqliteRegistry::upsert_worker(const WorkerRecord &w)
{
    std::lock_guard lock(impl_->mutex);
    Statement st(impl_->db.handle(),
                 "INSERT INTO workers (name, address, version, last_ping, threads, empty, paused, running, waiting, "
                 "errors, threads_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                 "address = excluded.address, version = excluded.version, last_ping = excluded.last_ping, "
                 "threads = excluded.threads, empty = excluded.empty, paused = excluded.paused, running = "
                 "excluded.running, waiting = excluded.waiting, errors = excluded.errors, threads_json = "
                 "excluded.threads_json");
    st.bind(1, w.name).bind(2, w.address).bind(3, w.version).bind(4, w.last_ping);
    st.bind(5, int64_t{w.threads}).bind(6, int64_t{w.empty}).bind(7, int64_t{w.paused}).bind(8, int64_t{w.running});
    st.bind(9, int64_t{w.waiting}).bind(10, int64_t{w.errors}).bind(11, w.threads_json);
    return st.run();
}

Result<std::vector<WorkerRecord>> SqliteRegistry::list_workers()
{
    std::lock_guard lock(impl_->mutex);
    Statement st(impl_->db.handle(), "SELECT name, address, version, last_ping, threads, empty, paused, running, "
                                     "waiting, errors, threads_json FROM workers ORDER BY name");
    std::vector<WorkerRecord> out;
    for (;;) {
        auto row = st.step();
        if (!row) return row.error();
        if (!*row) break;
        WorkerRecord w;
        w.name = st.col_text(0);
        w.address = st.col_text(1);
        w.version = st.col_text(2);
        w.last_ping = st.col_int(3);
        w.threads = static_cast<uint32_t>(st.col_int(4));
        w.empty = static_cast<uint32_t>(st.col_int(5));
        w.paused = static_cast<uint32_t>(st.col_int(6));
        w.running = static_cast<uint32_t>(st.col_int(7));
        w.waiting = static_cast<uint32_t>(st.col_int(8));
        w.errors = static_cast<uint32_t>(st.col_int(9));
        w.threads_json = st.col_text(10);
        out.push_back(std::move(w));
    }
    return out;
}

Status SqliteRegistry::upsert_store(const PersistStoreRecord &s)
{
    std::lock_guard lock(impl_->mutex);
    Statement st(impl_->db.handle(),
                 "INSERT INTO persist_stores (name, path, weight, read_only, allow_miners, deny_miners) VALUES (?, ?, "
                 "?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET path = excluded.path, weight = excluded.weight, "
                 "read_only = excluded.read_only, allow_miners = excluded.allow_miners, deny_miners = "
                 "excluded.deny_miners");
    st.bind(1, s.name).bind(2, s.path).bind(3, int64_t{s.weight}).bind(4, int64_t{s.read_only});
    st.bind(5, codec::id_list(s.allow_miners)).bind(6, codec::id_list(s.deny_miners));
    return st.run();
}

Result<std::vector<PersistStoreRecord>> SqliteRegistry::list_stores()
{
    std::lock_guard lock(impl_->mutex);
    Statement st(impl_->db.handle(),
                 "SELECT name, path, weight, read_only, allow_miners, deny_miners FROM persist_stores ORDER BY name");
    std::vector<PersistStoreRecord> out;
    for (;;) {
        auto row = st.step();
        if (!row) return row.error();
        if (!*row) break;
        PersistStoreRecord s;
        s.name = st.col_text(0);
        s.path = st.col_text(1);
        s.weight = static_cast<uint32_t>(st.col_int(2));
        s.read_only = st.col_int(3) != 0;
        s.allow_miners = codec::parse_id_list(st.col_text(4));
        s.deny_miners = codec::parse_id_list(st.col_text(5));
        out.push_back(std::move(s));
    }
    return out;
}

Result<std::vector<Reservation>> SqliteRegistry::list_reservations()
{
    std::lock_guard lock(impl_->mutex);
    Statement st(impl_->db.handle(), "SELECT store, miner, number, size, at FROM reservations ORDER BY store, miner, number");
    std::vector<Reservation> out;
    for (;;) {
        auto row = st.step();
        if (!row) return row.error();
        if (!*row) break;
        Reservation r;
        r.store = st.col_text(0);
        r.key = {static_cast<uint64_t>(st.col_int(1)), static_cast<uint64_t>(st.col_int(2))};
        r.size = static_cast<uint64_t>(st.col_int(3));
        r.at = st.col_int(4);
        out.push_back(r);
    }
    return out;
}

Status SqliteRegistry::put_reservation(const Reservation &r)
{
    std::lock_guard lock(impl_->mutex);
    Statement st(impl_->db.handle(), "INSERT INTO reservations (miner, number, store, size, at) VALUES (?, ?, ?, ?, ?) "
                                     "ON CONFLICT (miner, number) DO UPDATE SET store = excluded.store, size = "
                                     "excluded.size, at = excluded.at");
    st.bind(1, static_cast<int64_t>(r.key.miner)).bind(2, static_cast<int64_t>(r.key.number)).bind(3, r.store);
    st.bind(4, static_cast<int64_t>(r.size)).bind(5, r.at);
    return st.run();
}

Status SqliteRegistry::release_reservation(const SectorKey &key)
{
    std::lock_guard lock(impl_->mutex);
    return impl_->exec_key("DELETE FROM reservations WHERE miner = ? AND number = ?", key);
}

} // namespace dmc::service
