// SPDX-License-Identifier: Apache-2.0
//
// The manager's JSON shapes: positional-argument readers for "Venus.*"
// params (errors are JSON-RPC invalid-params with the argument's name), and
// the encoders of what the registry holds (queue entries, sector states,
// workers, stores). The JSON-RPC methods and the web console both use them,
// so the CLI and the page see the same fields.
#pragma once

#include <optional>

#include "service/manager/manager_service.hpp"
#include "service/manager/store_check.hpp"
#include "service/rpc/json_rpc.hpp"

namespace dmc::service::manager_json {

using rpc::json;

const json &arg(const json &params, size_t i, const char *name);
uint64_t u64_arg(const json &params, size_t i, const char *name);
SectorKey key_args(const json &params);

// Turns a service error into the JSON-RPC error a client sees ("sector
// state not found…" keeps damocles' code 11001, which workers turn into an
// abort; a registry that cannot be reached is an internal error, which
// clients retry; other refusals are code 1).
[[noreturn]] void throw_error(const Error &e);
template <class T> T unwrap(Result<T> r)
{
    if (!r) throw_error(r.error());
    return std::move(r).value();
}
inline void unwrap(Status s)
{
    if (!s) throw_error(s.error());
}

json queue_json(const QueueEntry &q);
json sector_state_json(const SectorRecord &s, const std::optional<QueueEntry> &q);
json worker_json(const WorkerRecord &w);
json store_status_json(const StoreStatus &st);
PersistStoreRecord store_from_json(const json &j);
WorkerRecord worker_from_ping(const json &ping, int64_t now);
// {"store", "path", "roots_learnt", "sectors": [{"miner", "number", "status",
// "action", "detail", "file"}]}: miner/number null for a file not named
// like a sector; detail and file only when set.
json store_check_json(const StoreCheckReport &report);

} // namespace dmc::service::manager_json
