// SPDX-License-Identifier: Apache-2.0
#include "service/rpc/rebuild_lease.hpp"

#include "damocles/core/internal/sector_json.hpp"

namespace dmc::service {

using namespace dmc::core;

using nlohmann::json;

json rebuild_lease_to_json(const RebuildLease &task)
{
    json j = {{"sector", sector_to_json(task.sector)},
              {"sector_id", sector_id_string(task.sector.key)},
              {"upgraded", task.sector.upgraded},
              {"lease_id", task.lease_id},
              {"lease_seconds", task.lease_seconds},
              {"pieces_available", task.pieces_available},
              {"priority", task.priority},
              {"unsealed", task.unsealed}};
    return j;
}

Result<RebuildLease> rebuild_lease_from_json(const json &j)
{
    if (!j.is_object() || !j.contains("sector"))
        return make_error(Errc::invalid_argument, "malformed rebuild task from the manager");
    RebuildLease t;
    DMC_TRY_ASSIGN(t.sector, parse_sector_object(j["sector"], "rebuild task"));
    // The snap decision is the registry's flag (R6), carried explicitly.
    t.sector.upgraded = j.value("upgraded", t.sector.upgraded);
    t.lease_id = j.value("lease_id", uint64_t{0});
    t.lease_seconds = j.value("lease_seconds", int64_t{600});
    t.pieces_available = j.value("pieces_available", false);
    t.priority = j.value("priority", 0);
    t.unsealed = j.value("unsealed", false);
    return t;
}

json allocation_request_to_json(const AllocationRequest &r)
{
    return {{"AllowedMiners", r.allowed_miners},
            {"AllowedProofTypes", r.allowed_proofs},
            {"Worker", r.worker},
            {"Location", r.location},
            {"Unseal", r.unseal_only}};
}

namespace {

// A list of ids (actor ids, proof ids), null or absent = any. Each element
// must be an unsigned integer: nlohmann's get<uint64_t>() would convert a
// float such as 8.9e63 with undefined behaviour (found by a 600 s run of
// fuzz_manager_rpc).
Result<std::vector<uint64_t>> id_list(const json &j, const char *key)
{
    std::vector<uint64_t> ids;
    if (!j.contains(key) || j[key].is_null()) return ids;
    const json &list = j[key];
    if (!list.is_array()) return make_error(Errc::invalid_argument, std::string(key) + " must be a list of ids");
    for (const auto &id : list) {
        if (!id.is_number_unsigned())
            return make_error(Errc::invalid_argument, std::string(key) + " must hold non-negative integers");
        ids.push_back(id.get<uint64_t>());
    }
    return ids;
}

} // namespace

Result<AllocationRequest> allocation_request_from_json(const json &j)
{
    if (!j.is_object()) return make_error(Errc::invalid_argument, "allocation spec must be an object");
    AllocationRequest r;
    DMC_TRY_ASSIGN(r.allowed_miners, id_list(j, "AllowedMiners"));
    DMC_TRY_ASSIGN(r.allowed_proofs, id_list(j, "AllowedProofTypes"));
    r.worker = j.value("Worker", "");
    r.location = j.value("Location", "");
    r.unseal_only = j.value("Unseal", false);
    return r;
}

} // namespace dmc::service
