// SPDX-License-Identifier: Apache-2.0
//
// The console's actions (POST /ui/api/<action>, docs/architecture.md §8.9),
// each the call sequence of the CLI command that does the same:
//   rebuild, repair-cache  `util sealer sectors rebuild|repair-cache` (one
//                          sector, --range A-B, --store S): Venus.SectorSetForRebuild
//                          per sector, Venus.ListSectors to expand a store
//   cancel                 `sectors rebuild-cancel`: Venus.SectorRebuildCancel
//   priority               `sectors priority`: Venus.SectorSetPriority (the
//                          entry stays queued; a running one keeps its lease)
//   check                  `sectors check --store S [--rebuild]`:
//                          Venus.SectorsCheck, then with `rebuild` each
//                          damaged sector queued with its repair as above
//   thread/pause|resume    `util worker pause|resume`: the worker's admin API
//                          (service/worker/worker_admin_client.hpp)
// Bodies are JSON objects; a bad one is answered 400 with one line naming
// the field and what to send.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "damocles/core/internal/sector_record.hpp"
#include "service/rpc/json_rpc.hpp"

namespace dmc::service::ui {

using rpc::json;

struct ActionAnswer {
    int status = 200; // HTTP status
    json body;
};

class ConsoleActions {
public:
    explicit ConsoleActions(std::shared_ptr<const rpc::Dispatcher> dispatcher);

    // {miner, sectors: "1 2 5" | range: "A-B" | store: "name", priority,
    //  pieces_available} -> one row per sector: queued / already queued / refused.
    ActionAnswer rebuild(const json &body, bool cache_only) const;
    // {miner, number}
    ActionAnswer cancel(const json &body) const;
    // {miner, number, priority}
    ActionAnswer set_priority(const json &body) const;
    // {store, rebuild, pieces_available, priority, miner} -> one row per
    // sector or unregistered file: status, action, detail (and the queue
    // outcome with `rebuild`).
    ActionAnswer check_store(const json &body) const;
    // {worker: name or host:port, index[, state]}
    ActionAnswer pause_thread(const json &body) const;
    ActionAnswer resume_thread(const json &body) const;

private:
    struct QueueOptions {
        bool pieces_available = false;
        int32_t priority = 0;
        bool cache_only = false;
    };
    // Venus.SectorSetForRebuild of one sector; row["outcome"] becomes queued,
    // already queued or refused (with row["message"]).
    void queue_one(const core::SectorKey &key, const QueueOptions &options, json &row) const;

    std::shared_ptr<const rpc::Dispatcher> dispatcher_;
};

} // namespace dmc::service::ui
