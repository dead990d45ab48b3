// SPDX-License-Identifier: Apache-2.0
#include "service/registry/registry_codec.hpp"

#include <algorithm>

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

namespace {

std::string text_of(const std::optional<Bytes32> &value) { return value ? to_hex(*value) : "(none)"; }

std::string text_of(const std::optional<std::string> &value) { return value ? *value : "(none)"; }

std::string piece_text(const PieceRecord &p)
{
    return p.cid + " size " + std::to_string(p.size) + " at " + std::to_string(p.offset) +
           (p.deal_id ? ", deal " + std::to_string(*p.deal_id) : "") + (p.source ? ", source " + *p.source : "");
}

// The first differing piece of two lists, "" when equal.
std::string pieces_difference(const std::string &name, const std::vector<PieceRecord> &registered,
                              const std::vector<PieceRecord> &imported)
{
    for (size_t i = 0; i < std::max(registered.size(), imported.size()); ++i) {
        if (i < registered.size() && i < imported.size() && registered[i] == imported[i]) continue;
        const std::string field = name + "[" + std::to_string(i) + "]";
        return field + ": registered " + (i < registered.size() ? piece_text(registered[i]) : "(none)") +
               ", imported " + (i < imported.size() ? piece_text(imported[i]) : "(none)");
    }
    return "";
}

template <class T> std::string difference(const char *field, const T &registered, const T &imported)
{
    return std::string(field) + ": registered " + text_of(registered) + ", imported " + text_of(imported);
}

} // namespace

std::string registered_values_difference(const SectorRecord &a, const SectorRecord &b)
{
    if (a.proof_id != b.proof_id)
        return "proof: registered " + std::to_string(a.proof_id) + ", imported " + std::to_string(b.proof_id);
    if (a.ticket != b.ticket) return difference("ticket", a.ticket, b.ticket);
    if (a.ticket_epoch != b.ticket_epoch)
        return "ticket_epoch: registered " + std::to_string(a.ticket_epoch) + ", imported " +
               std::to_string(b.ticket_epoch);
    if (a.comm_d != b.comm_d) return "comm_d: registered " + a.comm_d + ", imported " + b.comm_d;
    if (a.comm_r != b.comm_r) return "comm_r: registered " + a.comm_r + ", imported " + b.comm_r;
    // comm_c/comm_r_last count only when the import gives them: a source that
    // does not know them (lotus-miner, curio, the chain) leaves what a seal or
    // a p_aux taught the registry.
    if ((b.comm_c || b.comm_r_last) && a.comm_c != b.comm_c) return difference("comm_c", a.comm_c, b.comm_c);
    if ((b.comm_c || b.comm_r_last) && a.comm_r_last != b.comm_r_last)
        return difference("comm_r_last", a.comm_r_last, b.comm_r_last);
    if (auto pieces = pieces_difference("pieces", a.pieces, b.pieces); !pieces.empty()) return pieces;
    if (a.upgraded != b.upgraded)
        return std::string("snap: registered ") + (a.upgraded ? "an upgraded" : "a non-upgraded") +
               " sector, imported " + (b.upgraded ? "an upgraded" : "a non-upgraded") + " one";
    if (a.snap && b.snap && a.snap != b.snap) {
        if (a.snap->proof != b.snap->proof)
            return "snap.proof: registered " + a.snap->proof + ", imported " + b.snap->proof;
        if (a.snap->comm_d_new != b.snap->comm_d_new)
            return difference("snap.comm_d_new", a.snap->comm_d_new, b.snap->comm_d_new);
        if (a.snap->comm_r_new != b.snap->comm_r_new)
            return difference("snap.comm_r_new", a.snap->comm_r_new, b.snap->comm_r_new);
        return pieces_difference("snap.pieces", a.snap->pieces, b.snap->pieces);
    }
    if (a.snap != b.snap)
        return std::string("snap: registered ") + (a.snap ? "present" : "null") + ", imported " +
               (b.snap ? "present" : "null");
    if (!b.store.empty() && a.store != b.store)
        return "store: registered " + (a.store.empty() ? std::string("(none)") : a.store) + ", imported " + b.store;
    // Only a source that asks for the unsealed copy says anything about it:
    // the chain and damocles' export never do (docs/architecture.md §14.1).
    if (b.keep_unsealed && !a.keep_unsealed) return "unsealed: registered false, imported true";
    return "";
}

bool same_registered_values(const SectorRecord &a, const SectorRecord &b)
{
    return a.key == b.key && registered_values_difference(a, b).empty();
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
        return make_error(Errc::conflict,
                          "sector " + sector_id_string(record.key) + " is already registered with different values (" +
                              registered_values_difference(*existing, record) + "); pass --replace to overwrite them");
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
    w.keep_unsealed = w.keep_unsealed || existing->keep_unsealed;
    if (!w.comm_c && !w.comm_r_last) {
        w.comm_c = existing->comm_c;
        w.comm_r_last = existing->comm_r_last;
    }
    plan.outcome = ImportOutcome::replaced;
    return plan;
}

} // namespace dmc::service::codec
