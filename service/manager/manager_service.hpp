// SPDX-License-Identifier: Apache-2.0
//
// The manager's behaviour, transport-free: validations and texts of
// damocles' `sectors rebuild` (docs/architecture.md §11.1), allocation with
// leases, state reports, persist checks, finalize/abort (without damocles'
// defects R1-R4, R13), store selection, worker pings. The daemon exposes it
// over JSON-RPC; tests call it directly.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "damocles/core/internal/store_layout.hpp"
#include "service/manager/manager_config.hpp"
#include "service/registry/registry_store.hpp"
#include "service/rpc/json_rpc.hpp"
#include "service/rpc/rebuild_lease.hpp"

namespace dmc::service {

struct QueueRebuildRequest {
    SectorKey key;
    bool pieces_available = false;
    int32_t priority = 0;
    // repair-cache: only the cache was lost. Refused unless comm_c and
    // comm_r_last are registered and the sealed file is in the sector's store.
    bool cache_only = false;
    // --unsealed: the unsealed copy is wanted (docs/architecture.md §8.6).
    bool unsealed = false;
};

struct StoreChoice {
    std::string name;
    std::string path;
};

struct StoreStatus {
    PersistStoreRecord store;
    uint64_t total = 0, free = 0, reserved = 0;
    bool reachable = false;
    std::vector<Reservation> reservations;
};

class ManagerService {
public:
    ManagerService(ManagerConfig config, std::unique_ptr<RegistryStore> registry);

    RegistryStore &registry() { return *registry_; }
    const ManagerConfig &config() const { return config_; }

    // Errors carry damocles' texts (without the CLI's "set sector for
    // rebuild failed: " prefix).
    Status set_for_rebuild(const QueueRebuildRequest &req);
    Result<std::optional<RebuildLease>> allocate(const AllocationRequest &req);
    Result<ReportOutcome> report_state(const SectorKey &key, uint64_t lease_id, const LatestState &state);
    Status report_finalized(const SectorKey &key, uint64_t lease_id);
    Status report_aborted(const SectorKey &key, uint64_t lease_id, const std::string &reason);
    Result<std::optional<StoreChoice>> reserve_space(const SectorKey &key, uint64_t size,
                                                     const std::vector<std::string> &candidates);
    // Ok when every file of the sector is in `instance` with the right size;
    // records the new location. The error names the missing file.
    Status submit_persisted(const SectorKey &key, uint64_t lease_id, const std::string &instance,
                            const core::PersistedSet &written);
    Status submit_persisted(const SectorKey &key, uint64_t lease_id, const std::string &instance, bool upgrade)
    {
        core::PersistedSet written;
        written.upgrade = upgrade;
        return submit_persisted(key, lease_id, instance, written);
    }
    Result<std::vector<StoreStatus>> store_status();
    Status attach_store(const PersistStoreRecord &store);

    // JSON-RPC method table ("Venus.*").
    std::shared_ptr<rpc::Dispatcher> make_dispatcher();

private:
    bool miner_configured(uint64_t miner) const;
    Status check_cache_repair(const SectorRecord &sector);
    Result<SectorRecord> require_sector(const SectorKey &key);

    ManagerConfig config_;
    std::unique_ptr<RegistryStore> registry_;
    std::mutex reserve_mutex_;
    std::mt19937_64 rng_;
};

} // namespace dmc::service
