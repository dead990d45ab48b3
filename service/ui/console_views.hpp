// SPDX-License-Identifier: Apache-2.0
//
// The console's read endpoints (GET /ui/api/<view>, docs/architecture.md
// §8.9): each is the manager method the CLI calls for the same question,
// through the method table (method_call.hpp), with at most a merge of two
// answers or a count on top: queue = Venus.RebuildQueue + the running
// sectors' latest reports (Venus.ListSectors), workers = Venus.WorkerList +
// each worker's live threads (its admin API, as `util worker info`), stores
// = Venus.StoreList + sectors per store, failures and summary = counts over
// Venus.ListSectors, stages = the in-memory StageHistory.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "service/rpc/json_rpc.hpp"
#include "service/ui/stage_history.hpp"

namespace dmc::service::ui {

using rpc::json;

class ConsoleViews {
public:
    ConsoleViews(std::shared_ptr<const rpc::Dispatcher> dispatcher, std::shared_ptr<const StageHistory> history);

    Result<json> summary();
    Result<json> queue();
    // `filter`: the Venus.ListSectors filter object ({online, miner, store}).
    Result<json> sectors(const json &filter);
    Result<json> workers();
    Result<json> stores();
    Result<json> failures();
    json stages() const;

private:
    // Venus.ListSectors over every sector, shared by the views of one page
    // refresh (at most one listing per kSnapshotTtl).
    Result<json> all_sectors();
    Result<json> call(const std::string &method, const json &params) const;

    static constexpr std::chrono::milliseconds kSnapshotTtl{1500};
    std::shared_ptr<const rpc::Dispatcher> dispatcher_;
    std::shared_ptr<const StageHistory> history_;
    std::mutex snapshot_mutex_;
    json snapshot_;
    std::chrono::steady_clock::time_point snapshot_at_{};
};

int64_t unix_now();

} // namespace dmc::service::ui
