// SPDX-License-Identifier: Apache-2.0
//
// JSON-RPC method table of the manager ("Venus.*" as damocles names them).
// Params are positional arrays; errors keep damocles' texts; a missing
// sector is error code 11001, which workers turn into an abort.
#include <spdlog/spdlog.h>

#include "service/manager/manager_service.hpp"
#include "damocles/core/internal/sector_json.hpp"
#include "damocles/version.h"
#include "service/registry/registry_codec.hpp"
#include "service/metrics/series.hpp"

namespace dmc::service {

using namespace dmc::core;

using rpc::json;
using rpc::RpcError;

namespace {

const json &arg(const json &params, size_t i, const char *name)
{
    if (!params.is_array() || params.size() <= i)
        throw RpcError{rpc::kInvalidParams, std::string("invalid params: missing argument ") + name};
    return params[i];
}

uint64_t u64_arg(const json &params, size_t i, const char *name)
{
    const json &v = arg(params, i, name);
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
        throw RpcError{rpc::kInvalidParams, std::string("invalid params: ") + name + " must be a non-negative integer"};
    return v.get<uint64_t>();
}

SectorKey key_args(const json &params) { return {u64_arg(params, 0, "miner"), u64_arg(params, 1, "number")}; }

[[noreturn]] void throw_error(const Error &e)
{
    int code = rpc::kApplicationError;
    if (e.message.rfind("sector state not found", 0) == 0) code = rpc::kSectorStateNotFound;
    throw RpcError{code, e.message};
}

template <class T>
T unwrap(Result<T> r)
{
    if (!r) throw_error(r.error());
    return std::move(r).value();
}
void unwrap(Status s)
{
    if (!s) throw_error(s.error());
}

json latest_json(const std::optional<LatestState> &l) { return l ? codec::latest_state_to_json(*l) : json(nullptr); }

json queue_json(const QueueEntry &q)
{
    return {{"sector_id", sector_id_string(q.key)}, {"miner", q.key.miner},          {"number", q.key.number},
            {"priority", q.priority},              {"seq", q.seq},                  {"enqueued_at", q.enqueued_at},
            {"pieces_available", q.pieces_available}, {"lease_worker", q.lease_worker},
            {"lease_location", q.lease_location},  {"lease_expires", q.lease_expires},
            {"allocations", q.allocations},        {"cancel_requested", q.cancel_requested}};
}

json sector_state_json(const SectorRecord &s, const std::optional<QueueEntry> &q)
{
    return {{"sector_id", sector_id_string(s.key)},
            {"sector", sector_to_json(s)},
            {"upgraded", s.upgraded},
            {"online", s.online},
            {"need_rebuild", s.need_rebuild},
            {"finalized", s.finalized},
            {"removed", s.removed},
            {"abort_reason", s.abort_reason},
            {"latest", latest_json(s.latest)},
            {"queue", q ? queue_json(*q) : json(nullptr)}};
}

json worker_json(const WorkerRecord &w)
{
    return {{"name", w.name},         {"address", w.address}, {"version", w.version}, {"last_ping", w.last_ping},
            {"threads", w.threads},   {"empty", w.empty},     {"paused", w.paused},   {"running", w.running},
            {"waiting", w.waiting},   {"errors", w.errors},   {"threads_json", w.threads_json}};
}

PersistStoreRecord store_from_json(const json &j)
{
    PersistStoreRecord s;
    s.name = j.value("name", "");
    s.path = j.value("path", "");
    s.weight = j.value("weight", 1u);
    if (s.weight == 0) s.weight = 1;
    s.read_only = j.value("read_only", false);
    if (j.contains("allow_miners")) s.allow_miners = j["allow_miners"].get<std::vector<uint64_t>>();
    if (j.contains("deny_miners")) s.deny_miners = j["deny_miners"].get<std::vector<uint64_t>>();
    return s;
}

} // namespace

std::shared_ptr<rpc::Dispatcher> ManagerService::make_dispatcher()
{
    auto table = std::make_shared<rpc::Dispatcher>();
    // Every method below counts calls, errors and durations (GET /metrics).
    auto d = std::make_unique<metrics::InstrumentedMethods>(*table, "server");

    d->add("Venus.Version", [](const json &) { return json(DMC_VERSION); });

    d->add("Venus.SectorsImport", [this](const json &p) {
        auto records = parse_sector_import(arg(p, 0, "import document"));
        if (!records) throw RpcError{rpc::kInvalidParams, records.error().message};
        bool replace = p.size() > 1 && p[1].is_boolean() && p[1].get<bool>();
        json out = json::array();
        for (const auto &r : *records) {
            auto outcome = registry_->import_sector(r, replace);
            json row = {{"sector_id", sector_id_string(r.key)}};
            if (!outcome) {
                row["error"] = outcome.error().message;
            } else {
                row["outcome"] = *outcome == ImportOutcome::added       ? "added"
                                 : *outcome == ImportOutcome::unchanged ? "unchanged"
                                                                        : "replaced";
            }
            out.push_back(row);
        }
        return out;
    });

    d->add("Venus.SectorSetForRebuild", [this](const json &p) {
        QueueRebuildRequest req;
        req.key = key_args(p);
        if (p.size() > 2 && p[2].is_object()) {
            req.pieces_available = p[2].value("PiecesAvailable", false);
            req.priority = p[2].value("Priority", 0);
            req.cache_only = p[2].value("CacheOnly", false);
        }
        unwrap(set_for_rebuild(req));
        return json(true);
    });

    d->add("Venus.SectorRebuildCancel", [this](const json &p) {
        auto out = unwrap(registry_->cancel(key_args(p)));
        switch (out) {
        case CancelOutcome::removed_from_queue: return json("removed_from_queue");
        case CancelOutcome::cancel_requested: return json("cancel_requested");
        case CancelOutcome::not_queued: return json("not_queued");
        }
        return json("not_queued");
    });

    d->add("Venus.FindSectorInAllStates", [this](const json &p) {
        SectorKey key = key_args(p);
        auto s = unwrap(registry_->get_sector(key));
        if (!s) throw RpcError{rpc::kSectorStateNotFound, "sector state not found: " + sector_id_string(key)};
        return sector_state_json(*s, unwrap(registry_->queue_entry(key)));
    });

    d->add("Venus.ListSectors", [this](const json &p) {
        SectorFilter f;
        if (p.is_array() && !p.empty() && p[0].is_object()) {
            if (p[0].contains("online") && p[0]["online"].is_boolean()) f.online = p[0]["online"].get<bool>();
            if (p[0].contains("miner") && p[0]["miner"].is_number_unsigned()) f.miner = p[0]["miner"].get<uint64_t>();
            if (p[0].contains("store") && p[0]["store"].is_string()) f.store = p[0]["store"].get<std::string>();
        }
        json out = json::array();
        auto queue = unwrap(registry_->list_queue());
        for (const auto &s : unwrap(registry_->list_sectors(f))) {
            std::optional<QueueEntry> q;
            for (const auto &e : queue)
                if (e.key == s.key) q = e;
            out.push_back(sector_state_json(s, q));
        }
        return out;
    });

    d->add("Venus.RebuildQueue", [this](const json &) {
        json out = json::array();
        for (const auto &q : unwrap(registry_->list_queue())) out.push_back(queue_json(q));
        return out;
    });

    d->add("Venus.AllocateRebuildSector", [this](const json &p) {
        auto req = allocation_request_from_json(arg(p, 0, "spec"));
        if (!req) throw RpcError{rpc::kInvalidParams, req.error().message};
        auto task = unwrap(allocate(*req));
        return task ? rebuild_lease_to_json(*task) : json(nullptr);
    });

    d->add("Venus.ReportState", [this](const json &p) {
        SectorKey key = key_args(p);
        auto out = unwrap(report_state(key, u64_arg(p, 2, "lease_id"), codec::latest_state_from_json(arg(p, 3, "state"))));
        return json{{"Finalized", !out.online}, {"LeaseValid", out.lease_valid}, {"CancelRequested", out.cancel_requested}};
    });

    d->add("Venus.ReportFinalized", [this](const json &p) {
        unwrap(report_finalized(key_args(p), u64_arg(p, 2, "lease_id")));
        return json(true);
    });

    d->add("Venus.ReportAborted", [this](const json &p) {
        const json &reason = arg(p, 3, "reason");
        unwrap(report_aborted(key_args(p), u64_arg(p, 2, "lease_id"), reason.is_string() ? reason.get<std::string>() : ""));
        return json(true);
    });

    d->add("Venus.StoreReserveSpace", [this](const json &p) {
        SectorKey key = key_args(p);
        uint64_t size = u64_arg(p, 2, "size");
        auto candidates = arg(p, 3, "candidates").get<std::vector<std::string>>();
        auto choice = unwrap(reserve_space(key, size, candidates));
        return choice ? json{{"Name", choice->name}, {"Path", choice->path}} : json(nullptr);
    });

    d->add("Venus.SubmitPersistedEx", [this](const json &p) {
        SectorKey key = key_args(p);
        uint64_t lease = u64_arg(p, 2, "lease_id");
        std::string instance = arg(p, 3, "instance").get<std::string>();
        bool upgrade = arg(p, 4, "is_upgrade").get<bool>();
        auto st = submit_persisted(key, lease, instance, upgrade);
        if (!st && st.error().code == Errc::conflict) throw_error(st.error());
        if (!st) spdlog::warn("persisted files of {} unavailable: {}", sector_id_string(key), st.error().message);
        return json{{"ok", st.ok()}, {"reason", st.ok() ? std::string() : st.error().message}};
    });

    d->add("Venus.WorkerPing", [this](const json &p) {
        const json &w = arg(p, 0, "worker");
        WorkerRecord r;
        r.name = w.value("name", "");
        if (r.name.empty()) throw RpcError{rpc::kInvalidParams, "invalid params: worker name is empty"};
        r.address = w.value("address", "");
        r.version = w.value("version", "");
        r.last_ping = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
        r.threads = w.value("threads", 0u);
        r.empty = w.value("empty", 0u);
        r.paused = w.value("paused", 0u);
        r.running = w.value("running", 0u);
        r.waiting = w.value("waiting", 0u);
        r.errors = w.value("errors", 0u);
        r.threads_json = w.contains("thread_rows") ? w["thread_rows"].dump() : "[]";
        unwrap(registry_->upsert_worker(r));
        return json(true);
    });

    d->add("Venus.WorkerList", [this](const json &) {
        json out = json::array();
        for (const auto &w : unwrap(registry_->list_workers())) out.push_back(worker_json(w));
        return out;
    });

    d->add("Venus.StoreList", [this](const json &) {
        json out = json::array();
        for (const auto &st : unwrap(store_status())) {
            json res = json::array();
            for (const auto &r : st.reservations)
                res.push_back({{"sector_id", sector_id_string(r.key)}, {"size", r.size}, {"at", r.at}});
            out.push_back({{"name", st.store.name},       {"path", st.store.path},
                           {"weight", st.store.weight},   {"read_only", st.store.read_only},
                           {"allow_miners", st.store.allow_miners}, {"deny_miners", st.store.deny_miners},
                           {"reachable", st.reachable},   {"total", st.total},
                           {"free", st.free},             {"reserved", st.reserved},
                           {"reservations", res}});
        }
        return out;
    });

    d->add("Venus.StoreAttach", [this](const json &p) {
        unwrap(attach_store(store_from_json(arg(p, 0, "store"))));
        return json(true);
    });

    return table;
}

} // namespace dmc::service
