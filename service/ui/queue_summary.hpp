// SPDX-License-Identifier: Apache-2.0
//
// What the console's summary counts, from the rows the manager's methods
// return (Venus.RebuildQueue, Venus.ListSectors, Venus.WorkerList):
// queued / running / failed / finished today, the recent failures, and an
// ETA for the whole queue (docs/architecture.md §8.9). Pure functions of
// those rows and the time, so they are tested without a manager.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

namespace dmc::service::ui {

using nlohmann::json;

// A queue row is running while a worker holds an unexpired lease on it.
bool queue_row_running(const json &queue_row, int64_t now);

// Why a sector is listed among failures: "aborted" (the rebuild gave up,
// registry data kept), "cancelled" (an operator cancelled it), "retrying"
// (running, last report carried a failure), or "" (none).
std::string failure_kind(const json &sector_row);

struct SectorTally {
    size_t failed = 0, cancelled = 0, retrying = 0, finished_today = 0;
};
// `day_start`: unix time of the local midnight that began today.
SectorTally tally_sectors(const json &sector_rows, int64_t day_start);

// Failures (aborted and retrying; cancelled ones too), newest report first,
// at most `limit`, each with its full message.
json failure_rows(const json &sector_rows, size_t limit);

// Rebuild threads that can take work: plan "rebuild", not paused, on
// workers that pinged within `fresh_seconds`.
size_t rebuild_lanes(const json &worker_rows, int64_t now, int64_t fresh_seconds = 600);

struct RunningRebuild {
    double progress = 0;      // 0..1
    int64_t eta_seconds = -1; // -1 unknown
};
struct QueueLoad {
    size_t queued = 0;
    std::vector<RunningRebuild> running;
    size_t lanes = 0;
    std::optional<double> mean_rebuild_seconds; // finished rebuilds, if any
};
// Seconds until the queue is empty: the running rebuilds' remaining time
// plus the queued ones spread over the lanes, each costing the mean rebuild
// time (or, before any finished, the total time the running ones project).
// nullopt when nothing gives a duration.
std::optional<int64_t> queue_eta_seconds(const QueueLoad &load);

int64_t local_day_start(int64_t now);

} // namespace dmc::service::ui
