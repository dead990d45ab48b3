// SPDX-License-Identifier: Apache-2.0
#include "service/registry/registry_codec.hpp"

#include <nlohmann/json.hpp>

namespace dmc::service::codec {

using namespace dmc::core;

std::optional<std::string> opt_hex(const std::optional<Bytes32> &v)
{
    if (!v) return std::nullopt;
    return to_hex(*v);
}

std::optional<Bytes32> opt_bytes32(const std::optional<std::string> &hex)
{
    if (!hex) return std::nullopt;
    auto r = bytes32_from_hex(*hex);
    if (!r) return std::nullopt;
    return *r;
}

std::string id_list(const std::vector<uint64_t> &ids)
{
    std::string s;
    for (auto id : ids) {
        if (!s.empty()) s += ',';
        s += std::to_string(id);
    }
    return s;
}

std::vector<uint64_t> parse_id_list(const std::string &s)
{
    std::vector<uint64_t> out;
    size_t start = 0;
    while (start < s.size()) {
        size_t end = s.find(',', start);
        if (end == std::string::npos) end = s.size();
        if (end > start) out.push_back(std::stoull(s.substr(start, end - start)));
        start = end + 1;
    }
    return out;
}

nlohmann::json latest_state_to_json(const LatestState &s)
{
    return {{"worker_instance", s.worker_instance},
            {"worker_location", s.worker_location},
            {"prev", s.prev},
            {"next", s.next},
            {"event", s.event},
            {"failure_level", s.failure_level},
            {"failure_desc", s.failure_desc},
            {"progress", s.progress},
            {"eta_seconds", s.eta_seconds},
            {"stage", s.stage},
            {"rate_mib_s", s.rate_mib_s},
            {"pieces_source", s.pieces_source},
            {"updated_at", s.updated_at}};
}

LatestState latest_state_from_json(const nlohmann::json &j)
{
    LatestState s;
    if (!j.is_object()) return s;
    s.worker_instance = j.value("worker_instance", "");
    s.worker_location = j.value("worker_location", "");
    s.prev = j.value("prev", "");
    s.next = j.value("next", "");
    s.event = j.value("event", "");
    s.failure_level = j.value("failure_level", "");
    s.failure_desc = j.value("failure_desc", "");
    s.progress = j.value("progress", 0.0);
    s.eta_seconds = j.value("eta_seconds", int64_t{-1});
    s.stage = j.value("stage", "");
    s.rate_mib_s = j.value("rate_mib_s", 0.0);
    s.pieces_source = j.value("pieces_source", "");
    s.updated_at = j.value("updated_at", int64_t{0});
    return s;
}

std::string latest_state_json(const LatestState &s) { return latest_state_to_json(s).dump(); }

std::optional<LatestState> parse_latest_state(const std::optional<std::string> &json)
{
    if (!json || json->empty()) return std::nullopt;
    auto j = nlohmann::json::parse(*json, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return std::nullopt;
    return latest_state_from_json(j);
}

bool same_registered_values(const SectorRecord &a, const SectorRecord &b)
{
    return a.key == b.key && a.proof_id == b.proof_id && a.ticket == b.ticket && a.ticket_epoch == b.ticket_epoch &&
           a.comm_d == b.comm_d && a.comm_r == b.comm_r && a.comm_c == b.comm_c && a.comm_r_last == b.comm_r_last &&
           a.pieces == b.pieces && a.upgraded == b.upgraded && a.snap == b.snap &&
           a.keep_unsealed == b.keep_unsealed &&
           (b.store.empty() || a.store == b.store);
}

Result<ImportPlan> plan_import(const std::optional<SectorRecord> &existing, const SectorRecord &record, bool replace)
{
    ImportPlan plan{ImportOutcome::added, record};
    if (!existing) return plan;
    if (same_registered_values(*existing, record)) {
        plan.outcome = ImportOutcome::unchanged;
        return plan;
    }
    if (!replace)
        return make_error(Errc::conflict, "sector " + sector_id_string(record.key) +
                                              " is already registered with different values; pass --replace "
                                              "to overwrite them");
    if (existing->online)
        return make_error(Errc::conflict, "sector " + sector_id_string(record.key) +
                                              " has a rebuild queued or running; cancel it before replacing");
    // Keep lifecycle and location; replace the registered values.
    SectorRecord &w = plan.to_write;
    w.online = existing->online;
    w.need_rebuild = existing->need_rebuild;
    w.finalized = existing->finalized;
    w.removed = existing->removed;
    w.abort_reason = existing->abort_reason;
    w.latest = existing->latest;
    if (w.store.empty()) w.store = existing->store;
    plan.outcome = ImportOutcome::replaced;
    return plan;
}

} // namespace dmc::service::codec
