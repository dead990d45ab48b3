// SPDX-License-Identifier: Apache-2.0
//
// What the manager hands a worker for one rebuild (damocles'
// SectorRebuildInfo, extended): the registered sector record — the values the
// rebuilt sector is checked against — plus the lease that fences off a
// worker whose task was re-allocated.
#pragma once

#include <nlohmann/json.hpp>

#include "damocles/sdk/result.hpp"
#include "service/registry/registry_types.hpp"

namespace dmc::service {

struct RebuildLease {
    SectorRecord sector;
    uint64_t lease_id = 0;
    int64_t lease_seconds = 600;
    bool pieces_available = false;
    int32_t priority = 0;
    // `sectors rebuild --unsealed`: the unsealed copy is wanted (decoded from
    // a surviving sealed file, else written by the full rebuild).
    bool unsealed = false;
};

nlohmann::json rebuild_lease_to_json(const RebuildLease &task);
Result<RebuildLease> rebuild_lease_from_json(const nlohmann::json &j);

// Worker -> manager allocation request (damocles AllocateSectorSpec).
struct AllocationRequest {
    std::vector<uint64_t> allowed_miners;
    std::vector<uint64_t> allowed_proofs;
    std::string worker;
    std::string location;
    // A thread with plan = "unseal": only entries that ask for the unsealed copy.
    bool unseal_only = false;
};

nlohmann::json allocation_request_to_json(const AllocationRequest &r);
Result<AllocationRequest> allocation_request_from_json(const nlohmann::json &j);

} // namespace dmc::service
