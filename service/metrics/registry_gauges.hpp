// SPDX-License-Identifier: Apache-2.0
//
// The manager's registry gauges (docs/architecture.md §10):
// dmc_rebuild_queue_length, dmc_rebuild_queue_leased (entries under a live
// lease), dmc_manager_workers{state="alive|silent"} (pinged within 2 min or
// not), dmc_manager_threads{state} (sum over alive workers, as damocles'
// thread/count) and dmc_registry_up (0 while the registry cannot be read).
//
// A scrape must stay cheap whatever the queue holds, and a scraper may call
// often: so the registry is read by a thread of its own, never by a scrape.
// It refreshes every `interval` (leases expire with time, other managers
// share a PostgreSQL registry) and soon after poke(), which the daemon calls
// when an RPC was served; pokes are coalesced, so the registry is read at
// most every `min_gap` however busy the RPC side is. A scrape only formats
// the values last set.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "service/registry/registry_store.hpp"

namespace dmc::service::metrics {

class RegistryGauges {
public:
    explicit RegistryGauges(RegistryStore &registry, std::chrono::milliseconds interval = std::chrono::seconds(5),
                            std::chrono::milliseconds min_gap = std::chrono::milliseconds(100));
    ~RegistryGauges();
    RegistryGauges(const RegistryGauges &) = delete;
    RegistryGauges &operator=(const RegistryGauges &) = delete;

    // Something may have changed: refresh soon.
    void poke();

private:
    void refresh();
    void loop();

    RegistryStore &registry_;
    const std::chrono::milliseconds interval_, min_gap_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool poked_ = false, stop_ = false;
    std::thread thread_;
};

} // namespace dmc::service::metrics
