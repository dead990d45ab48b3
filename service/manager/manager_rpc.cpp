// SPDX-License-Identifier: Apache-2.0
//
// JSON-RPC method table of the manager ("Venus.*" as damocles names them):
// one named handler per method, each a thin adapter from positional params
// to a ManagerService call and back (manager_json.hpp). Errors keep
// damocles' texts; a missing sector is error code 11001, which workers turn
// into an abort.
#include <chrono>
#include <cstdint>

#include <spdlog/spdlog.h>

#include "damocles/core/internal/sector_json.hpp"
#include "damocles/version.h"
#include "service/manager/manager_json.hpp"
#include "service/manager/manager_service.hpp"
#include "service/metrics/series.hpp"
#include "service/registry/registry_codec.hpp"

namespace dmc::service {

namespace {

using namespace manager_json;
using rpc::RpcError;

json version(ManagerService &, const json &) { return json(DMC_VERSION); }

const char *import_outcome_name(ImportOutcome outcome)
{
    switch (outcome) {
    case ImportOutcome::added: return "added";
    case ImportOutcome::unchanged: return "unchanged";
    case ImportOutcome::replaced: return "replaced";
    }
    return "unchanged";
}

// [import document, replace?] -> one row per sector: outcome or error.
json sectors_import(ManagerService &svc, const json &p)
{
    auto records = core::parse_sector_import(arg(p, 0, "import document"));
    if (!records) throw RpcError{rpc::kInvalidParams, records.error().message};
    const bool replace = p.size() > 1 && p[1].is_boolean() && p[1].get<bool>();
    json out = json::array();
    for (const auto &r : *records) {
        auto outcome = svc.registry().import_sector(r, replace);
        json row = {{"sector_id", sector_id_string(r.key)}};
        if (outcome)
            row["outcome"] = import_outcome_name(*outcome);
        else
            row["error"] = outcome.error().message;
        out.push_back(row);
    }
    return out;
}

// [{"store": name or path, "miner": M?, "deep": bool?}] -> store_check_json.
json sectors_check(ManagerService &svc, const json &p)
{
    const json &spec = arg(p, 0, "check");
    if (!spec.is_object() || !spec.contains("store") || !spec["store"].is_string())
        throw RpcError{rpc::kInvalidParams, "check: want {\"store\": <name or path>, \"miner\": M, \"deep\": bool}"};
    StoreCheckOptions options;
    if (spec.contains("miner") && !spec["miner"].is_null()) {
        if (!spec["miner"].is_number_unsigned())
            throw RpcError{rpc::kInvalidParams, "check: miner must be an actor id"};
        options.miner = spec["miner"].get<uint64_t>();
    }
    if (spec.contains("deep") && spec["deep"].is_boolean()) options.deep = spec["deep"].get<bool>();
    auto report = check_store(svc.registry(), spec["store"].get<std::string>(), options);
    // An unknown store is bad input (the CLI exits 2), not a failed check.
    if (!report && report.error().code == Errc::invalid_argument)
        throw RpcError{rpc::kInvalidParams, report.error().message};
    return store_check_json(unwrap(std::move(report)));
}

// [epoch, [[miner, number], …]]: the CLI confirmed these records against
// the chain at `epoch` (docs/architecture.md §14.3).
json sectors_mark_chain_checked(ManagerService &svc, const json &p)
{
    const json &epoch = arg(p, 0, "epoch");
    const json &keys = arg(p, 1, "sectors");
    if (!epoch.is_number_integer() || !keys.is_array())
        throw RpcError{rpc::kInvalidParams, "want [epoch, [[miner, number], …]]"};
    std::vector<SectorKey> sectors;
    for (const auto &key : keys) {
        if (!key.is_array() || key.size() != 2 || !key[0].is_number_unsigned() || !key[1].is_number_unsigned())
            throw RpcError{rpc::kInvalidParams, "sectors: want [miner, number] pairs"};
        sectors.push_back({key[0].get<uint64_t>(), key[1].get<uint64_t>()});
    }
    unwrap(svc.registry().set_chain_checked(sectors, epoch.get<int64_t>()));
    return json(true);
}

json sector_set_for_rebuild(ManagerService &svc, const json &p)
{
    QueueRebuildRequest req;
    req.key = key_args(p);
    if (p.size() > 2 && p[2].is_object()) {
        req.pieces_available = p[2].value("PiecesAvailable", false);
        req.priority = p[2].value("Priority", 0);
        req.cache_only = p[2].value("CacheOnly", false);
        req.unsealed = p[2].value("Unsealed", false);
    }
    unwrap(svc.set_for_rebuild(req));
    return json(true);
}

json sector_rebuild_cancel(ManagerService &svc, const json &p)
{
    switch (unwrap(svc.registry().cancel(key_args(p)))) {
    case CancelOutcome::removed_from_queue: return json("removed_from_queue");
    case CancelOutcome::cancel_requested: return json("cancel_requested");
    case CancelOutcome::not_queued: return json("not_queued");
    }
    return json("not_queued");
}

// [miner, number, priority] -> {"entry": queue_json, "previous_priority"}:
// the queued entry keeps its place in enqueue order and any lease
// (docs/architecture.md §7.3).
json sector_set_priority(ManagerService &svc, const json &p)
{
    const SectorKey key = key_args(p);
    const json &priority = arg(p, 2, "priority");
    if (!priority.is_number_integer() || priority.get<int64_t>() < INT32_MIN || priority.get<int64_t>() > INT32_MAX)
        throw RpcError{rpc::kInvalidParams, "invalid params: priority must be a 32-bit integer (higher runs first)"};
    const PriorityChange change = unwrap(svc.registry().set_priority(key, priority.get<int32_t>()));
    spdlog::info("sector {}: priority {} -> {}", sector_id_string(key), change.previous_priority,
                 change.entry.priority);
    return {{"entry", queue_json(change.entry)}, {"previous_priority", change.previous_priority}};
}

json find_sector_in_all_states(ManagerService &svc, const json &p)
{
    const SectorKey key = key_args(p);
    auto sector = unwrap(svc.registry().get_sector(key));
    if (!sector) throw RpcError{rpc::kSectorStateNotFound, "sector state not found: " + sector_id_string(key)};
    return sector_state_json(*sector, unwrap(svc.registry().queue_entry(key)));
}

SectorFilter sector_filter_arg(const json &p)
{
    SectorFilter filter;
    if (!p.is_array() || p.empty() || !p[0].is_object()) return filter;
    const json &f = p[0];
    if (f.contains("online") && f["online"].is_boolean()) filter.online = f["online"].get<bool>();
    if (f.contains("miner") && f["miner"].is_number_unsigned()) filter.miner = f["miner"].get<uint64_t>();
    if (f.contains("store") && f["store"].is_string()) filter.store = f["store"].get<std::string>();
    return filter;
}

json list_sectors(ManagerService &svc, const json &p)
{
    const auto queue = unwrap(svc.registry().list_queue());
    json out = json::array();
    for (const auto &sector : unwrap(svc.registry().list_sectors(sector_filter_arg(p)))) {
        std::optional<QueueEntry> entry;
        for (const auto &e : queue)
            if (e.key == sector.key) entry = e;
        out.push_back(sector_state_json(sector, entry));
    }
    return out;
}

json rebuild_queue(ManagerService &svc, const json &)
{
    json out = json::array();
    for (const auto &q : unwrap(svc.registry().list_queue())) out.push_back(queue_json(q));
    return out;
}

json allocate_rebuild_sector(ManagerService &svc, const json &p)
{
    auto req = allocation_request_from_json(arg(p, 0, "spec"));
    if (!req) throw RpcError{rpc::kInvalidParams, req.error().message};
    auto lease = unwrap(svc.allocate(*req));
    return lease ? rebuild_lease_to_json(*lease) : json(nullptr);
}

json report_state(ManagerService &svc, const json &p)
{
    const auto out = unwrap(
        svc.report_state(key_args(p), u64_arg(p, 2, "lease_id"), codec::latest_state_from_json(arg(p, 3, "state"))));
    return json{{"Finalized", !out.online}, {"LeaseValid", out.lease_valid}, {"CancelRequested", out.cancel_requested}};
}

json report_finalized(ManagerService &svc, const json &p)
{
    unwrap(svc.report_finalized(key_args(p), u64_arg(p, 2, "lease_id")));
    return json(true);
}

json report_aborted(ManagerService &svc, const json &p)
{
    const json &reason = arg(p, 3, "reason");
    unwrap(svc.report_aborted(key_args(p), u64_arg(p, 2, "lease_id"),
                              reason.is_string() ? reason.get<std::string>() : ""));
    return json(true);
}

json store_reserve_space(ManagerService &svc, const json &p)
{
    const auto candidates = arg(p, 3, "candidates").get<std::vector<std::string>>();
    auto choice = unwrap(svc.reserve_space(key_args(p), u64_arg(p, 2, "size"), candidates));
    return choice ? json{{"Name", choice->name}, {"Path", choice->path}} : json(nullptr);
}

json submit_persisted_ex(ManagerService &svc, const json &p)
{
    const SectorKey key = key_args(p);
    core::PersistedSet written;
    written.upgrade = arg(p, 4, "is_upgrade").get<bool>();
    // Optional sixth parameter: which unsealed copy was written with them.
    if (p.size() > 5 && p[5].is_object()) {
        written.unsealed = p[5].value("Unsealed", false);
        written.unsealed_only = p[5].value("UnsealedOnly", false);
        written.cache_only = p[5].value("CacheOnly", false);
    }
    auto st = svc.submit_persisted(key, u64_arg(p, 2, "lease_id"), arg(p, 3, "instance").get<std::string>(), written);
    if (!st && st.error().code == Errc::conflict) throw_error(st.error());
    if (!st) spdlog::warn("persisted files of {} unavailable: {}", sector_id_string(key), st.error().message);
    return json{{"ok", st.ok()}, {"reason", st.ok() ? std::string() : st.error().message}};
}

json worker_ping(ManagerService &svc, const json &p)
{
    const int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    unwrap(svc.registry().upsert_worker(worker_from_ping(arg(p, 0, "worker"), now)));
    return json(true);
}

json worker_list(ManagerService &svc, const json &)
{
    json out = json::array();
    for (const auto &w : unwrap(svc.registry().list_workers())) out.push_back(worker_json(w));
    return out;
}

json store_list(ManagerService &svc, const json &)
{
    json out = json::array();
    for (const auto &st : unwrap(svc.store_status())) out.push_back(store_status_json(st));
    return out;
}

json store_attach(ManagerService &svc, const json &p)
{
    unwrap(svc.attach_store(store_from_json(arg(p, 0, "store"))));
    return json(true);
}

using MethodHandler = json (*)(ManagerService &, const json &);

struct NamedMethod {
    const char *name;
    MethodHandler handler;
};

constexpr NamedMethod kMethods[] = {
    {"Venus.Version", version},
    {"Venus.SectorsImport", sectors_import},
    {"Venus.SectorsCheck", sectors_check},
    {"Venus.SectorsMarkChainChecked", sectors_mark_chain_checked},
    {"Venus.SectorSetForRebuild", sector_set_for_rebuild},
    {"Venus.SectorRebuildCancel", sector_rebuild_cancel},
    {"Venus.SectorSetPriority", sector_set_priority},
    {"Venus.FindSectorInAllStates", find_sector_in_all_states},
    {"Venus.ListSectors", list_sectors},
    {"Venus.RebuildQueue", rebuild_queue},
    {"Venus.AllocateRebuildSector", allocate_rebuild_sector},
    {"Venus.ReportState", report_state},
    {"Venus.ReportFinalized", report_finalized},
    {"Venus.ReportAborted", report_aborted},
    {"Venus.StoreReserveSpace", store_reserve_space},
    {"Venus.SubmitPersistedEx", submit_persisted_ex},
    {"Venus.WorkerPing", worker_ping},
    {"Venus.WorkerList", worker_list},
    {"Venus.StoreList", store_list},
    {"Venus.StoreAttach", store_attach},
};

} // namespace

std::shared_ptr<rpc::Dispatcher> ManagerService::make_dispatcher()
{
    auto table = std::make_shared<rpc::Dispatcher>();
    // Every method counts calls, errors and durations (GET /metrics).
    metrics::InstrumentedMethods methods(*table, "server");
    for (const auto &method : kMethods)
        methods.add(method.name,
                    [this, handler = method.handler](const json &params) { return handler(*this, params); });
    return table;
}

} // namespace dmc::service
