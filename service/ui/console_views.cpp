// SPDX-License-Identifier: Apache-2.0
#include "service/ui/console_views.hpp"

#include <future>
#include <map>
#include <vector>

#include "service/ui/method_call.hpp"
#include "service/ui/queue_summary.hpp"
#include "service/worker/worker_admin_client.hpp"

namespace dmc::service::ui {

namespace {

// Workers whose last ping is older than this are not asked for live rows
// (a dead one would hold the page for the connect timeout).
constexpr int64_t kLiveWorkerSeconds = 120;
constexpr int kWorkerAdminTimeoutSeconds = 3;
constexpr size_t kFailureRows = 50;

std::string sector_store(const json &row)
{
    if (!row.contains("sector") || !row["sector"].is_object()) return "";
    return row["sector"].value("store", std::string());
}

} // namespace

int64_t unix_now()
{
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

ConsoleViews::ConsoleViews(std::shared_ptr<const rpc::Dispatcher> dispatcher,
                           std::shared_ptr<const StageHistory> history)
    : dispatcher_(std::move(dispatcher)), history_(std::move(history))
{
}

Result<json> ConsoleViews::call(const std::string &method, const json &params) const
{
    return call_method(*dispatcher_, method, params);
}

Result<json> ConsoleViews::all_sectors()
{
    std::lock_guard lock(snapshot_mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (!snapshot_.is_array() || now - snapshot_at_ > kSnapshotTtl) {
        json rows;
        DMC_TRY_ASSIGN(rows, call("Venus.ListSectors", json::array({json::object()})));
        snapshot_ = std::move(rows);
        snapshot_at_ = now;
    }
    return snapshot_;
}

Result<json> ConsoleViews::queue()
{
    json rows, online;
    DMC_TRY_ASSIGN(rows, call("Venus.RebuildQueue", json::array()));
    DMC_TRY_ASSIGN(online, call("Venus.ListSectors", json::array({{{"online", true}}})));
    std::map<std::string, json> latest;
    for (const auto &s : online) latest[s.value("sector_id", std::string())] = s.value("latest", json(nullptr));
    const int64_t now = unix_now();
    for (auto &row : rows) {
        row["running"] = queue_row_running(row, now);
        auto it = latest.find(row.value("sector_id", std::string()));
        row["latest"] = it == latest.end() ? json(nullptr) : it->second;
    }
    return json{{"now", now}, {"entries", rows}};
}

Result<json> ConsoleViews::sectors(const json &filter) { return call("Venus.ListSectors", json::array({filter})); }

Result<json> ConsoleViews::workers()
{
    json workers;
    DMC_TRY_ASSIGN(workers, call("Venus.WorkerList", json::array()));
    const int64_t now = unix_now();
    // Live rows (paused, state, last error as of now), asked of every fresh
    // worker at once; the rows of its last ping otherwise.
    std::vector<std::future<Result<json>>> live;
    for (const auto &w : workers) {
        const bool fresh = now - w.value("last_ping", int64_t{0}) <= kLiveWorkerSeconds;
        const std::string address = w.value("address", std::string());
        live.push_back(std::async(std::launch::async, [fresh, address]() -> Result<json> {
            if (!fresh)
                return make_error(Errc::io, "no ping for more than " + std::to_string(kLiveWorkerSeconds) + " s");
            return WorkerAdminClient(address, kWorkerAdminTimeoutSeconds).threads();
        }));
    }
    for (size_t i = 0; i < workers.size(); ++i) {
        json &w = workers[i];
        auto rows = live[i].get();
        w["threads_live"] = rows.ok();
        w["threads_error"] = rows ? json(nullptr) : json(rows.error().message);
        w["thread_rows"] = rows ? *rows : json::parse(w.value("threads_json", std::string("[]")), nullptr, false);
        if (!w["thread_rows"].is_array()) w["thread_rows"] = json::array();
        w.erase("threads_json");
        w["ping_age_seconds"] = now - w.value("last_ping", int64_t{0});
    }
    return json{{"now", now}, {"workers", workers}};
}

Result<json> ConsoleViews::stores()
{
    json stores, sectors;
    DMC_TRY_ASSIGN(stores, call("Venus.StoreList", json::array()));
    DMC_TRY_ASSIGN(sectors, all_sectors());
    std::map<std::string, size_t> recorded, rebuilding;
    for (const auto &s : sectors) {
        const std::string store = sector_store(s);
        ++recorded[store];
        if (s.value("online", false)) ++rebuilding[store];
    }
    for (auto &st : stores) {
        const std::string name = st.value("name", std::string());
        st["sectors"] = recorded[name];
        st["rebuilding"] = rebuilding[name];
    }
    return json{{"stores", stores}};
}

Result<json> ConsoleViews::failures()
{
    json sectors;
    DMC_TRY_ASSIGN(sectors, all_sectors());
    return json{{"failures", failure_rows(sectors, kFailureRows)}};
}

Result<json> ConsoleViews::summary()
{
    json queue_rows, sectors, workers, version;
    DMC_TRY_ASSIGN(queue_rows, call("Venus.RebuildQueue", json::array()));
    DMC_TRY_ASSIGN(sectors, all_sectors());
    DMC_TRY_ASSIGN(workers, call("Venus.WorkerList", json::array()));
    DMC_TRY_ASSIGN(version, call("Venus.Version", json::array()));
    const int64_t now = unix_now();
    std::map<std::string, json> latest;
    for (const auto &s : sectors)
        if (s.value("online", false)) latest[s.value("sector_id", std::string())] = s.value("latest", json(nullptr));
    QueueLoad load;
    for (const auto &row : queue_rows) {
        if (!queue_row_running(row, now)) {
            ++load.queued;
            continue;
        }
        RunningRebuild r;
        const json &l = latest[row.value("sector_id", std::string())];
        if (l.is_object()) {
            r.progress = l.value("progress", 0.0);
            r.eta_seconds = l.value("eta_seconds", int64_t{-1});
        }
        load.running.push_back(r);
    }
    load.lanes = rebuild_lanes(workers, now);
    load.mean_rebuild_seconds = history_->mean_rebuild_seconds();
    const SectorTally tally = tally_sectors(sectors, local_day_start(now));
    const auto eta = queue_eta_seconds(load);
    return json{{"now", now},
                {"version", version},
                {"queued", load.queued},
                {"running", load.running.size()},
                {"failed", tally.failed},
                {"cancelled", tally.cancelled},
                {"retrying", tally.retrying},
                {"finished_today", tally.finished_today},
                {"rebuild_lanes", load.lanes},
                {"queue_eta_seconds", eta ? json(*eta) : json(nullptr)}};
}

json ConsoleViews::stages() const
{
    json rows = json::array();
    for (const auto &s : history_->stage_stats())
        rows.push_back({{"stage", s.stage},
                        {"count", s.count},
                        {"mean_seconds", s.mean_seconds},
                        {"max_seconds", s.max_seconds},
                        {"last_seconds", s.last_seconds}});
    const auto mean = history_->mean_rebuild_seconds();
    return {{"stages", rows},
            {"rebuilds", history_->rebuilds()},
            {"mean_rebuild_seconds", mean ? json(*mean) : json(nullptr)},
            {"source", "in-memory history of the worker reports since the manager started"}};
}

} // namespace dmc::service::ui
