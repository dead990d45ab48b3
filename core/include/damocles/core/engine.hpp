// SPDX-License-Identifier: Apache-2.0
//
// The sealing engine: runs the rebuild DAG of a batch of SectorJobs through
// the scheduler, each vertex calling the selected plugin stage (or doing the
// core-internal steps: staging pieces, the CommD/CommR checks against the
// registered values, persist, report), with a crash-safe resume record per
// sector so that a killed run resumes from its last completed vertex.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "damocles/core/dag_types.hpp"
#include "damocles/core/plugin_registry.hpp"
#include "damocles/core/resource_budget.hpp"
#include "damocles/core/sector_job.hpp"
#include "damocles/core/sector_progress.hpp"

namespace dmc::core {

class Scheduler; // internal/scheduler.hpp

// Called after every step of the flow with its duration and whether it
// succeeded (the service records dmc_stage_duration_seconds with it).
using StageTimingHook = std::function<void(const std::string &stage, double seconds, bool ok)>;

struct EngineOptions {
    std::map<std::string, std::string> plugin_overrides; // [plugins] stage = "plugin"
    std::string parent_cache_dir;                        // "" = FIL_PROOFS_PARENT_CACHE or /var/tmp/filecoin-parents
    ResourceBudget budget;                               // cores, memory, gpu slots, per-stage limits
    bool numa_binding = true;
    StageTimingHook on_stage_timed; // may be empty
};

class Engine {
public:
    Engine(const PluginRegistry &registry, EngineOptions options);
    ~Engine();

    const PluginRegistry &registry() const { return registry_; }
    const EngineOptions &options() const { return options_; }
    Result<StageHandle> stage(dmc_stage_kind kind) const;
    // The verified parent cache for the proof's graph (generated on first use).
    Result<std::string> parent_cache(const SealProof &proof);
    Scheduler &scheduler() { return *scheduler_; }
    Status init();

private:
    const PluginRegistry &registry_;
    EngineOptions options_;
    std::unique_ptr<Scheduler> scheduler_;
    std::mutex cache_mutex_;
    std::map<uint64_t, std::string> parent_caches_;
};

struct SessionOptions {
    CancelFlag *cancel = nullptr;
    // Called from scheduler threads on every progress change (cheap, thread-safe).
    std::function<void(const SectorJob &, const SectorProgress &)> on_progress;
    // Called when a vertex of a job completed and its record was saved.
    std::function<void(SectorJob &, VertexKind)> on_vertex_done;
    // Called when a vertex is ready but waits for resource tokens, and when
    // it starts running.
    std::function<void(const SectorJob &, VertexKind)> on_waiting;
    std::function<void(const SectorJob &, VertexKind)> on_started;
    // Checked before each vertex starts: true = do not start it (the run
    // ends with Errc::cancelled "paused" for what is left; vertices already
    // running finish). This is how a pause takes effect between steps.
    std::function<bool()> stop_before_vertex;
};

struct JobOutcome {
    SectorOutcome outcome = SectorOutcome::ok;
    Error error; // failed: "<vertex>: <message>"
    std::string failed_vertex;
};

// Creates or resumes every job's resume record, builds the batch DAG and runs
// it. Jobs must have spec, proof, ticket, pieces, work_dir and hooks set.
Result<std::vector<JobOutcome>> run_jobs(Engine &engine, std::vector<SectorJob *> jobs,
                                         const SessionOptions &options = {});

} // namespace dmc::core
