// SPDX-License-Identifier: Apache-2.0
#include "service/ui/queue_summary.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <string>

namespace dmc::service::ui {

namespace {

const json &latest_of(const json &row)
{
    static const json kNull;
    return row.is_object() && row.contains("latest") && row["latest"].is_object() ? row["latest"] : kNull;
}

int64_t report_time(const json &row)
{
    const json &latest = latest_of(row);
    return latest.is_object() ? latest.value("updated_at", int64_t{0}) : 0;
}

// The abort reasons the registry and the worker write for an operator's
// cancel (docs/architecture.md §7.2, §8.6).
bool cancelled_reason(const std::string &reason) { return reason.rfind("rebuild cancelled", 0) == 0; }

} // namespace

bool queue_row_running(const json &row, int64_t now)
{
    return !row.value("lease_worker", std::string()).empty() && row.value("lease_expires", int64_t{0}) >= now;
}

std::string failure_kind(const json &row)
{
    if (!row.is_object()) return "";
    const bool online = row.value("online", false);
    const std::string reason = row.value("abort_reason", std::string());
    if (!online && row.value("need_rebuild", false) && !reason.empty())
        return cancelled_reason(reason) ? "cancelled" : "aborted";
    const json &latest = latest_of(row);
    if (online && latest.is_object() && !latest.value("failure_level", std::string()).empty()) return "retrying";
    return "";
}

SectorTally tally_sectors(const json &rows, int64_t day_start)
{
    SectorTally t;
    if (!rows.is_array()) return t;
    for (const auto &row : rows) {
        const std::string kind = failure_kind(row);
        if (kind == "aborted")
            ++t.failed;
        else if (kind == "cancelled")
            ++t.cancelled;
        else if (kind == "retrying")
            ++t.retrying;
        // Finished: back offline with need_rebuild cleared, after a worker
        // reported on it (imported sectors have no report).
        if (!row.value("online", false) && !row.value("need_rebuild", false) && latest_of(row).is_object() &&
            report_time(row) >= day_start)
            ++t.finished_today;
    }
    return t;
}

json failure_rows(const json &rows, size_t limit)
{
    json out = json::array();
    if (!rows.is_array()) return out;
    for (const auto &row : rows) {
        const std::string kind = failure_kind(row);
        if (kind.empty()) continue;
        const json &latest = latest_of(row);
        const bool retrying = kind == "retrying";
        out.push_back({{"sector_id", row.value("sector_id", std::string())},
                       {"kind", kind},
                       {"message", retrying ? latest.value("failure_desc", std::string())
                                            : row.value("abort_reason", std::string())},
                       {"level", latest.is_object() ? latest.value("failure_level", std::string()) : std::string()},
                       {"worker", latest.is_object() ? latest.value("worker_instance", std::string()) : std::string()},
                       {"at", report_time(row)}});
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const json &a, const json &b) { return a["at"].get<int64_t>() > b["at"].get<int64_t>(); });
    if (out.size() > limit) out.erase(out.begin() + static_cast<std::ptrdiff_t>(limit), out.end());
    return out;
}

size_t rebuild_lanes(const json &workers, int64_t now, int64_t fresh_seconds)
{
    size_t lanes = 0;
    if (!workers.is_array()) return 0;
    for (const auto &w : workers) {
        if (now - w.value("last_ping", int64_t{0}) > fresh_seconds) continue;
        // The ping carries the thread rows as a JSON text (registry column).
        const json rows = json::parse(w.value("threads_json", std::string("[]")), nullptr, false);
        if (!rows.is_array()) continue;
        for (const auto &t : rows)
            if (t.is_object() && t.value("plan", std::string()) == "rebuild" && !t.value("paused", false)) ++lanes;
    }
    return lanes;
}

std::optional<int64_t> queue_eta_seconds(const QueueLoad &load)
{
    if (load.queued == 0 && load.running.empty()) return 0;
    std::optional<double> per_sector = load.mean_rebuild_seconds;
    if (!per_sector) {
        // No rebuild finished yet: what the running ones project in total,
        // from those far enough from both ends for the ratio to mean something.
        double total = 0;
        size_t n = 0;
        for (const auto &r : load.running)
            if (r.eta_seconds >= 0 && r.progress >= 0.05 && r.progress <= 0.95) {
                total += static_cast<double>(r.eta_seconds) / (1 - r.progress);
                ++n;
            }
        if (n > 0) per_sector = total / static_cast<double>(n);
    }
    double running_max = 0, work = 0;
    for (const auto &r : load.running) {
        double remaining;
        if (r.eta_seconds >= 0)
            remaining = static_cast<double>(r.eta_seconds);
        else if (per_sector)
            remaining = *per_sector * (1 - std::clamp(r.progress, 0.0, 1.0));
        else
            return std::nullopt;
        running_max = std::max(running_max, remaining);
        work += remaining;
    }
    if (load.queued > 0) {
        if (!per_sector) return std::nullopt;
        work += *per_sector * static_cast<double>(load.queued);
    }
    const double lanes = static_cast<double>(std::max<size_t>({load.lanes, load.running.size(), 1}));
    return static_cast<int64_t>(std::ceil(std::max(running_max, work / lanes)));
}

int64_t local_day_start(int64_t now)
{
    std::time_t t = static_cast<std::time_t>(now);
    std::tm local{};
    localtime_r(&t, &local);
    local.tm_hour = 0;
    local.tm_min = 0;
    local.tm_sec = 0;
    local.tm_isdst = -1;
    return static_cast<int64_t>(std::mktime(&local));
}

} // namespace dmc::service::ui
