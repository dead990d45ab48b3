// SPDX-License-Identifier: Apache-2.0
//
// Workers, persist stores and space reservations (docs/architecture.md §7.4):
// rows keyed by name (workers, stores) or by sector (reservations), written
// with an upsert and listed in a stable order.
#include "service/registry/registry_columns.hpp"
#include "service/registry/sql_registry.hpp"

namespace dmc::service {

namespace {

constexpr size_t kNameKey = 1;   // workers, persist_stores: name
constexpr size_t kSectorKey = 2; // reservations: miner, number

} // namespace

Status SqlRegistry::upsert_worker(const WorkerRecord &worker)
{
    return dialect_->transact(TxMode::write, [&](SqlConnection &connection) {
        return connection.execute(worker_columns().upsert_into("workers", kNameKey), worker_values(worker));
    });
}

Result<std::vector<WorkerRecord>> SqlRegistry::list_workers()
{
    return read_all<WorkerRecord>("SELECT " + worker_columns().select() + " FROM workers ORDER BY name", decode_worker);
}

Status SqlRegistry::upsert_store(const PersistStoreRecord &store)
{
    return dialect_->transact(TxMode::write, [&](SqlConnection &connection) {
        return connection.execute(store_columns().upsert_into("persist_stores", kNameKey), store_values(store));
    });
}

Result<std::vector<PersistStoreRecord>> SqlRegistry::list_stores()
{
    return read_all<PersistStoreRecord>("SELECT " + store_columns().select() + " FROM persist_stores ORDER BY name",
                                        decode_store);
}

Result<std::vector<Reservation>> SqlRegistry::list_reservations()
{
    return read_all<Reservation>("SELECT " + reservation_columns().select() +
                                     " FROM reservations ORDER BY store, miner, number",
                                 decode_reservation);
}

Status SqlRegistry::put_reservation(const Reservation &reservation)
{
    return dialect_->transact(TxMode::write, [&](SqlConnection &connection) {
        return connection.execute(reservation_columns().upsert_into("reservations", kSectorKey),
                                  reservation_values(reservation));
    });
}

Status SqlRegistry::release_reservation(const SectorKey &key)
{
    return dialect_->transact(TxMode::write, [&](SqlConnection &connection) {
        return connection.execute("DELETE FROM reservations" + kWhereKey, key_values(key));
    });
}

} // namespace dmc::service
