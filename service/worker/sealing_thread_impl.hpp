// SPDX-License-Identifier: Apache-2.0
//
// Private state of a SealingThread, shared by sealing_thread.cpp (control,
// loop, hot config, allocation) and rebuild_run.cpp (one task).
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "damocles/core/engine.hpp"
#include "service/worker/sealing_thread.hpp"

namespace dmc::service {

using SteadyClock = std::chrono::steady_clock;

// Why a running task was stopped from outside.
enum class StopReason { none, pause, shutdown, operator_cancel, finalized_elsewhere, lease_lost };

enum class ThreadPhase { idle, running, waiting, paused };

struct SealingThreadImpl {
    size_t index = 0;
    SealingThreadConfig config;
    WorkerContext *ctx = nullptr;

    mutable std::mutex mu;
    std::condition_variable cv;
    // control
    bool stop = false;
    bool pause_requested = false;
    bool paused = false;
    bool resume_signal = false;
    std::optional<std::string> resume_state;
    bool config_changed = false;
    // status
    ThreadPhase phase = ThreadPhase::idle;
    SteadyClock::time_point phase_since = SteadyClock::now();
    std::string plan;
    uint32_t batch = 1; // sectors leased per round (config or hot config)
    std::string last_err;
    std::string sector_id;
    std::string state_name = "Empty";
    std::string running_vertex;
    double progress = 0;
    int64_t eta = -1;
    std::string stage;     // heaviest running stage, for `sectors state`
    double rate_mib_s = 0; // sector MiB per second since the first stage started
    // config
    SealingOptions sealing;
    std::optional<std::filesystem::file_time_type> hot_mtime;
    bool hot_present = false;
    // overlap = true: the turn shared with the companion (null otherwise)
    std::shared_ptr<Pc1Turn> pc1_turn;
    // the task in progress
    core::CancelFlag cancel{0};
    StopReason stop_reason = StopReason::none;

    std::string data_dir() const { return config.location + "/data"; }
    std::string task_file() const { return data_dir() + "/task.json"; }
    // The leases of a batch in progress (batch_run.cpp).
    std::string batch_file() const { return data_dir() + "/batch.json"; }

    void set_phase(ThreadPhase p);
    // The engine hooks every rebuild of this thread uses, alone or in a
    // batch: its cancel flag, a stop before the next vertex on pause or stop,
    // and the running vertex and phase. Progress is the caller's to add.
    core::SessionOptions engine_session_options();
    // Waits up to `d`; returns early on stop, pause request or config change.
    void idle_wait(std::chrono::seconds d);
    // Enters the paused state with `error` (may be "") and blocks until a
    // resume or a stop (or, with wake_on_config_change, until the hot config
    // changes: a pause caused by the config ends when the config is fixed).
    // Returns the state forced by `resume --state`, if any; nullopt also
    // when stopping.
    std::optional<std::string> pause_here(const std::string &error, bool wake_on_config_change = false);
    // Takes the PC1 turn (docs/architecture.md §8.5), listed as Waiting(…)
    // meanwhile; true at once without a turn. False: a stop or a pause
    // request came first (or a config change, with give_up_on_config_change:
    // before an allocation, which then follows the new config).
    bool take_pc1_turn(bool give_up_on_config_change);
    // Gives the turn back if this thread holds it (logs `why` when it did).
    void give_back_pc1_turn(const char *why);
    bool stopping() const
    {
        std::lock_guard lock(mu);
        return stop;
    }
};

// Whether a completed vertex of this kind means the batch's PC1 is over
// (PC1 itself or any step after it; a cache-only repair has no PC1).
bool pc1_is_over_after(core::VertexKind kind);

// Runs `task` (persisted in task_file()) to its end: finished, aborted,
// cancelled, or stopped for a restart. Returns when the thread may take the
// next task. Defined in rebuild_run.cpp.
void run_rebuild_task(SealingThreadImpl &t, const RebuildLease &task);

// Runs the sectors of `leases` (one proof type; saved in batch_file()) as
// one batch: one engine run per round, their PC1 fused, each sector
// reported, persisted, finalized or aborted on its own. Returns when every
// sector left the batch, or the thread stops. Defined in batch_run.cpp.
void run_rebuild_batch(SealingThreadImpl &t, std::vector<RebuildLease> leases);

// Removes everything under the thread's data dir (after a task).
void clean_data_dir(SealingThreadImpl &t);

} // namespace dmc::service
