// SPDX-License-Identifier: Apache-2.0
//
// One [[sealing_thread]] of damocles-worker: it owns a location, runs one
// sector task at a time with the plan of its (hot-reloadable) config, and is
// paused, resumed and listed through the worker's admin API. Design note
// (loop, retries, pause/resume, cancel): core/service/sealing_thread.cpp.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "damocles/core/engine.hpp"
#include "service/rpc/json_rpc.hpp"
#include "service/rpc/rebuild_lease.hpp"
#include "service/worker/pc1_turn.hpp"
#include "service/worker/worker_config.hpp"

namespace dmc::service {

// What the threads of one worker share.
struct WorkerContext {
    WorkerConfig config;
    std::unique_ptr<rpc::Client> manager;
    core::Engine *engine = nullptr;
};

struct ThreadStatus {
    size_t index = 0;
    std::string location;
    std::string plan;
    std::string sector_id; // "" = none
    bool paused = false;
    std::optional<std::chrono::seconds> paused_elapsed;
    std::string state = "Empty"; // damocles state name of the task
    std::string stage = "-";     // JobStage label of the next step
    std::string thread_state;    // Idle, Paused(3m2s), Running(12s) pc1, Waiting(5s)
    std::string last_err;        // "" = none
    double progress = 0;
    int64_t eta_seconds = -1;
};

class SealingThread {
public:
    // `pc1_turn`: shared with the companion of an `overlap = true` thread
    // (pc1_turn.hpp); null for a thread that takes no turns.
    SealingThread(size_t index, SealingThreadConfig config, WorkerContext &ctx,
                  std::shared_ptr<Pc1Turn> pc1_turn = nullptr);
    ~SealingThread();
    SealingThread(const SealingThread &) = delete;
    SealingThread &operator=(const SealingThread &) = delete;

    void start();
    // Stops at the next check point; a running task keeps its local state
    // and resumes at the next start.
    void request_stop();
    void join();

    // Queues a pause; false if one is already pending or the thread is paused.
    bool pause();
    // True only if the thread is paused now (then it resumes). `state`
    // forces the task's state first (damocles `resume --state S`); an
    // unknown state name is invalid_argument "invalid state <x>".
    Result<bool> resume(const std::optional<std::string> &state);
    // <location>/config.toml changed: re-read it at once if idle.
    void notify_config_changed();

    ThreadStatus status() const;
    const std::string &location() const;
    // Where its hot config.toml is read (its location, or its primary's).
    const std::string &hot_config_dir() const;

private:
    void loop();
    bool reload_hot_config();
    std::unique_ptr<struct SealingThreadImpl> impl_;
    std::thread thread_;
};

} // namespace dmc::service
