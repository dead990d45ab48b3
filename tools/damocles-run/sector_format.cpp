// SPDX-License-Identifier: Apache-2.0
#include "sector_format.hpp"

#include <cstdio>
#include <sstream>

namespace dmc::cli {

using nlohmann::json;

std::string format_duration(int64_t s)
{
    if (s < 0) return "-";
    char buf[64];
    if (s < 60)
        std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
    else if (s < 3600)
        std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
    else
        std::snprintf(buf, sizeof buf, "%lldh%02lldm", static_cast<long long>(s / 3600),
                      static_cast<long long>((s % 3600) / 60));
    return buf;
}

std::string format_bytes(uint64_t b)
{
    const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = static_cast<double>(b);
    int u = 0;
    while (v >= 1024 && u < 5) {
        v /= 1024;
        ++u;
    }
    char buf[64];
    if (v == static_cast<double>(static_cast<uint64_t>(v)))
        std::snprintf(buf, sizeof buf, "%llu %s", static_cast<unsigned long long>(v), units[u]);
    else
        std::snprintf(buf, sizeof buf, "%.2f %s", v, units[u]);
    return buf;
}

namespace {

std::string str(const json &j, const char *key, const std::string &fallback = "")
{
    return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : fallback;
}

std::string progress_line(const json &latest)
{
    double p = latest.value("progress", 0.0);
    if (p <= 0) return "";
    char buf[160];
    std::string out;
    std::snprintf(buf, sizeof buf, "%.1f%%", p * 100.0);
    out = buf;
    if (auto stage = str(latest, "stage"); !stage.empty()) out += ", " + stage;
    if (double rate = latest.value("rate_mib_s", 0.0); rate > 0) {
        std::snprintf(buf, sizeof buf, ", %.2f MiB/s", rate);
        out += buf;
    }
    out += ", ETA " + format_duration(latest.value("eta_seconds", int64_t{-1}));
    return out;
}

} // namespace

std::string format_sector_state(const json &s)
{
    std::ostringstream o;
    const json &sec = s["sector"];
    o << "Sector " << str(s, "sector_id") << ": \n\n";
    o << "Common:\n";
    o << "\tFinalized: " << (s.value("finalized", false) ? "true" : "false") << "\n";
    o << "\tRemoved: " << (s.value("removed", false) ? "true" : "false") << "\n";
    o << "\tAborting: \n\t\t" << (str(s, "abort_reason").empty() ? "NULL" : str(s, "abort_reason")) << "\n\n";

    o << "LatestState:\n";
    const json &l = s["latest"];
    if (l.is_object()) {
        std::string event = str(l, "event");
        o << "\tState Change: " << str(l, "prev", "Empty") << " => " << str(l, "next") << ", by "
          << (event.empty() ? "None" : event) << "\n";
        o << "\tWorker: " << str(l, "worker_instance") << "(" << str(l, "worker_location") << ")\n";
        if (str(l, "failure_level").empty())
            o << "\tFailure: NULL\n";
        else
            o << "\tFailure: \n\t\t[" << str(l, "failure_level") << "] " << str(l, "failure_desc") << "\n";
        if (auto p = progress_line(l); !p.empty()) o << "\tProgress: " << p << "\n";
        if (auto src = str(l, "pieces_source"); !src.empty()) o << "\tPieces: " << src << "\n";
    } else {
        o << "\tNULL\n";
    }
    o << "\n";

    o << "Deals:\n";
    bool any_deal = false;
    for (const auto &p : sec.value("pieces", json::array())) {
        if (p["deal_id"].is_null()) continue;
        any_deal = true;
        o << "\tDealID: builtinmarket(" << p["deal_id"].get<uint64_t>() << ")\n";
        o << "\tPiece: { cid: " << str(p, "cid") << "; size: " << p.value("size", uint64_t{0})
          << "; offset: " << p.value("offset", uint64_t{0}) << " }\n";
    }
    if (!any_deal) o << "\tNULL\n";

    o << "Sealing:\n";
    if (sec["ticket"].is_string())
        o << "\tTicket: (" << sec.value("ticket_epoch", int64_t{0}) << ") " << str(sec, "ticket") << "\n";
    else
        o << "\tTicket: NULL\n";
    o << "\tPreCommit Info:\n\t\tCommD: " << str(sec, "comm_d") << "\n\t\tCommR: " << str(sec, "comm_r") << "\n";
    o << "\tPreCommit Message: NULL\n";
    o << "\tSeed: NULL\n";
    o << "\tProveCommit Info:\n\t\tProof: NULL\n";
    o << "\tProveCommit Message: NULL\n";
    o << "\tMessage NeedSend: false\n\n";

    o << "SnapUp:\n";
    bool upgraded = s.value("upgraded", false);
    o << "\tUpgraded: " << (upgraded ? "true" : "false") << "\n";
    if (upgraded && sec["snap"].is_object()) {
        const json &sn = sec["snap"];
        o << "\tUnsealedCID: " << (sn["comm_d_new"].is_string() ? sn["comm_d_new"].get<std::string>() : "NULL") << "\n";
        // damocles prints UnsealedCID here (R9); we print the sealed one.
        o << "\tSealedCID: " << (sn["comm_r_new"].is_string() ? sn["comm_r_new"].get<std::string>() : "NULL") << "\n";
        o << "\tProof: NULL\n\tUpgrade Message: NULL\n\tLanded Epoch: NULL\n";
    }
    o << "\n";
    // A --lotus import or check compared the record with the chain
    // (docs/architecture.md §14.3).
    const json &checked = s.contains("chain_checked_epoch") ? s["chain_checked_epoch"] : json();
    if (checked.is_number_integer())
        o << "Chain: checked at " << checked.get<int64_t>() << "\n\n";
    else
        o << "Chain: not checked\n\n";
    o << "Termination:\n\tTerminate Message: NULL\n\n";
    o << "Rebuild: " << (s.value("need_rebuild", false) ? "true" : "false") << "\n";
    return o.str();
}

std::string format_sector_list_entry(const json &s)
{
    std::ostringstream o;
    std::string marks;
    if (s.value("upgraded", false)) marks = "upgrade";
    if (s.value("need_rebuild", false)) marks += marks.empty() ? "rebuild" : ", rebuild";
    o << str(s, "sector_id") << (marks.empty() ? "" : "(" + marks + ")") << ":\n";
    const json &l = s["latest"];
    if (l.is_object()) {
        o << "\tWorker: " << str(l, "worker_instance") << " @ " << str(l, "worker_location") << "\n";
        o << "\tState: " << str(l, "prev", "Empty") << " => " << str(l, "next") << " @" << str(l, "event") << "\n";
        if (auto p = progress_line(l); !p.empty()) o << "\tProgress: " << p << "\n";
        if (!str(l, "failure_level").empty())
            o << "\tFailure: [" << str(l, "failure_level") << "] " << str(l, "failure_desc") << "\n";
    } else if (s["queue"].is_object()) {
        o << "\tState: queued (priority " << s["queue"].value("priority", 0) << ")\n";
    }
    o << "\tFinalized: " << (s.value("finalized", false) ? "true" : "false")
      << ", Removed: " << (s.value("removed", false) ? "true" : "false") << "\n";
    return o.str();
}

} // namespace dmc::cli
