// SPDX-License-Identifier: Apache-2.0
#include "service/manager/manager_json.hpp"

#include <cstdint>

#include "damocles/core/internal/sector_json.hpp"
#include "service/registry/registry_codec.hpp"

namespace dmc::service::manager_json {

using rpc::RpcError;

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

void throw_error(const Error &e)
{
    int code = rpc::kApplicationError;
    if (e.message.rfind("sector state not found", 0) == 0) code = rpc::kSectorStateNotFound;
    // The registry could not be reached or read (a PostgreSQL restart): not
    // a refusal, so not code 1, which clients take as final; they retry an
    // internal error.
    else if (e.code == Errc::io)
        code = rpc::kInternalError;
    throw RpcError{code, e.message};
}

json queue_json(const QueueEntry &q)
{
    return {{"sector_id", sector_id_string(q.key)},
            {"miner", q.key.miner},
            {"number", q.key.number},
            {"priority", q.priority},
            {"seq", q.seq},
            {"enqueued_at", q.enqueued_at},
            {"pieces_available", q.pieces_available},
            {"lease_worker", q.lease_worker},
            {"lease_location", q.lease_location},
            {"lease_expires", q.lease_expires},
            {"allocations", q.allocations},
            {"cancel_requested", q.cancel_requested},
            {"unsealed", q.unsealed}};
}

json sector_state_json(const SectorRecord &s, const std::optional<QueueEntry> &q)
{
    return {{"sector_id", sector_id_string(s.key)},
            {"sector", core::sector_to_json(s)},
            {"upgraded", s.upgraded},
            {"online", s.online},
            {"need_rebuild", s.need_rebuild},
            {"finalized", s.finalized},
            {"removed", s.removed},
            {"abort_reason", s.abort_reason},
            {"chain_checked_epoch", s.chain_checked_epoch ? json(*s.chain_checked_epoch) : json(nullptr)},
            {"latest", s.latest ? codec::latest_state_to_json(*s.latest) : json(nullptr)},
            {"queue", q ? queue_json(*q) : json(nullptr)}};
}

json worker_json(const WorkerRecord &w)
{
    return {{"name", w.name},           {"address", w.address},          {"version", w.version},
            {"last_ping", w.last_ping}, {"threads", w.threads},          {"empty", w.empty},
            {"paused", w.paused},       {"running", w.running},          {"waiting", w.waiting},
            {"errors", w.errors},       {"threads_json", w.threads_json}};
}

json store_status_json(const StoreStatus &st)
{
    json reservations = json::array();
    for (const auto &r : st.reservations)
        reservations.push_back({{"sector_id", sector_id_string(r.key)}, {"size", r.size}, {"at", r.at}});
    return {{"name", st.store.name},
            {"path", st.store.path},
            {"weight", st.store.weight},
            {"read_only", st.store.read_only},
            {"allow_miners", st.store.allow_miners},
            {"deny_miners", st.store.deny_miners},
            {"reachable", st.reachable},
            {"total", st.total},
            {"free", st.free},
            {"reserved", st.reserved},
            {"reservations", reservations}};
}

namespace {

// A list of actor ids: every element an unsigned integer. nlohmann's get<>
// would convert a float such as 7.6e79 with undefined behaviour (found by
// fuzz_manager_rpc), so each element is checked first.
std::vector<uint64_t> actor_id_list(const json &j, const char *key)
{
    std::vector<uint64_t> ids;
    if (!j.contains(key)) return ids;
    const json &list = j[key];
    if (!list.is_array())
        throw RpcError{rpc::kInvalidParams, std::string("store: ") + key + " must be a list of actor ids"};
    for (const auto &id : list) {
        if (!id.is_number_unsigned())
            throw RpcError{rpc::kInvalidParams, std::string("store: ") + key + " must be a list of actor ids"};
        ids.push_back(id.get<uint64_t>());
    }
    return ids;
}

} // namespace

PersistStoreRecord store_from_json(const json &j)
{
    PersistStoreRecord s;
    s.name = j.value("name", "");
    s.path = j.value("path", "");
    if (j.contains("weight")) {
        const json &weight = j["weight"];
        if (!weight.is_number_unsigned() || weight.get<uint64_t>() > UINT32_MAX)
            throw RpcError{rpc::kInvalidParams, "store: weight must be a positive integer"};
        s.weight = weight.get<uint32_t>();
    }
    if (s.weight == 0) s.weight = 1;
    s.read_only = j.value("read_only", false);
    s.allow_miners = actor_id_list(j, "allow_miners");
    s.deny_miners = actor_id_list(j, "deny_miners");
    return s;
}

WorkerRecord worker_from_ping(const json &ping, int64_t now)
{
    WorkerRecord r;
    r.name = ping.value("name", "");
    if (r.name.empty()) throw RpcError{rpc::kInvalidParams, "invalid params: worker name is empty"};
    r.address = ping.value("address", "");
    r.version = ping.value("version", "");
    r.last_ping = now;
    r.threads = ping.value("threads", 0u);
    r.empty = ping.value("empty", 0u);
    r.paused = ping.value("paused", 0u);
    r.running = ping.value("running", 0u);
    r.waiting = ping.value("waiting", 0u);
    r.errors = ping.value("errors", 0u);
    r.threads_json = ping.contains("thread_rows") ? ping["thread_rows"].dump() : "[]";
    return r;
}

json store_check_json(const StoreCheckReport &report)
{
    json sectors = json::array();
    for (const auto &check : report.sectors) {
        json row = {{"miner", check.key ? json(check.key->miner) : json(nullptr)},
                    {"number", check.key ? json(check.key->number) : json(nullptr)},
                    {"status", sector_health_name(check.health)},
                    {"action", repair_action_name(check.action)}};
        if (!check.detail.empty()) row["detail"] = check.detail;
        if (!check.file.empty()) row["file"] = check.file;
        sectors.push_back(std::move(row));
    }
    return {
        {"store", report.store}, {"path", report.path}, {"roots_learnt", report.roots_learnt}, {"sectors", sectors}};
}

} // namespace dmc::service::manager_json
