// SPDX-License-Identifier: Apache-2.0
//
// Executes a rebuild DAG (docs/architecture.md §5): one tbb::flow::graph node per
// vertex, resources as tokens (resource_pool.hpp), PC1 placed on one NUMA
// node (placement.hpp) and bound there with hwloc (topology.hpp). What a
// vertex does is the caller's: a VertexRunner. Design note (threads, token
// order, failure propagation, NUMA arenas): core/sched/scheduler.cpp.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <tbb/task_arena.h>

#include "damocles/core/internal/dag.hpp"
#include "damocles/core/internal/resource_pool.hpp"
#include "damocles/core/internal/topology.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc::core {

// What the scheduler grants one vertex run.
struct VertexContext {
    // Sectors to process in this run: the vertex's sectors whose upstream
    // succeeded and that VertexRunner::is_done() did not report complete. A
    // subset only for a fused PC1 (the other sectors failed upstream or were
    // done before a restart).
    std::vector<uint32_t> sectors;
    int numa_node = -1;     // logical node (Topology::numa_nodes()), -1 = not pinned
    int numa_os_index = -1; // the same node as the OS numbers it: dmc_call::numa_node
    uint32_t threads = 1;   // cores granted: dmc_call::threads
    const CancelFlag *cancel = nullptr;
    // Arena for the runner's own TBB parallelism: the node's arena for a
    // pinned vertex, the scheduler's shared arena otherwise.
    tbb::task_arena *arena = nullptr;
    std::function<void(double)> on_progress; // set by the scheduler

    bool cancelled() const { return cancel && cancel->load(std::memory_order_relaxed) != 0; }
    // The flag in the type of dmc_call::cancel.
    const volatile int32_t *abi_cancel() const { return reinterpret_cast<const volatile int32_t *>(cancel); }
    // Fraction 0..1 of this vertex done; thread-safe, cheap. Only while
    // VertexRunner::run() has not returned.
    void report_progress(double fraction) const;
};

class VertexRunner {
public:
    virtual ~VertexRunner() = default;
    // Runs vertex `v` for ctx.sectors on a scheduler thread (bound to the
    // NUMA node for a pinned vertex); may block for hours. Returns
    // Errc::cancelled when it stopped because *ctx.cancel became non-zero.
    // Exceptions are turned into Errc::internal failures.
    virtual Status run(const Dag &dag, VertexId v, VertexContext &ctx) = 0;
    // Resume: true when `sector`'s part of vertex `v` is already complete
    // (its resume record says so). Asked once per sector when `v` is ready.
    virtual bool is_done(const Dag & /*dag*/, VertexId /*v*/, uint32_t /*sector*/) { return false; }
};

enum class VertexOutcome {
    not_run, // the run ended before the vertex was reached (cannot happen after run() returns)
    ok,
    skipped_done, // every sector was already done (resume)
    failed,
    upstream_failed, // every sector of it failed before it
    cancelled,
};
const char *vertex_outcome_name(VertexOutcome outcome);

struct VertexResult {
    VertexOutcome outcome = VertexOutcome::not_run;
    std::vector<uint32_t> sectors_ok; // sectors whose part is complete
    int numa_node = -1;
    uint32_t threads = 0;
    std::chrono::steady_clock::time_point started{}, finished{}; // set when it ran
    Error error;                                                 // failed: the runner's error
};

struct SectorResult {
    SectorOutcome outcome = SectorOutcome::ok;
    std::optional<VertexId> failed_vertex; // failed: the first vertex that failed for it
    Error error;                           // failed: "<kind>: <runner's message>"
};

struct RunReport {
    std::vector<SectorResult> sectors;  // parallel to Dag::sectors
    std::vector<VertexResult> vertices; // by VertexId
    bool all_ok() const;
};

// Called from scheduler threads, possibly concurrently: implementations must
// be thread-safe and quick (ProgressTracker is one).
class SchedulerObserver {
public:
    virtual ~SchedulerObserver() = default;
    virtual void on_waiting(const Dag &, VertexId) {} // ready, waiting for tokens
    virtual void on_started(const Dag &, VertexId, const VertexContext &) {}
    virtual void on_progress(const Dag &, VertexId, double /*fraction*/) {}
    virtual void on_finished(const Dag &, VertexId, const VertexResult &) {}
};

struct SchedulerOptions {
    ResourceBudget budget;
    std::shared_ptr<const Topology> topology; // null: Topology::load()
    bool numa_binding = true;                 // false: NUMA placement is computed and reported, threads are not bound
};

struct RunOptions {
    // This run's cancel flag (a signal handler may set it). Null: the run
    // uses its own, set by Scheduler::cancel_all().
    CancelFlag *cancel = nullptr;
    SchedulerObserver *observer = nullptr;
};

class Scheduler {
public:
    static Result<Scheduler> create(SchedulerOptions options = {});
    Scheduler(Scheduler &&) noexcept;
    Scheduler &operator=(Scheduler &&) noexcept;
    ~Scheduler();

    // Validates `dag` and runs it to the end: every vertex ran, was skipped
    // as done, failed, or was cancelled. A failing vertex stops only what
    // depends on it for the same sector(s). Runs in parallel threads share
    // one budget. The error case is only for an invalid DAG.
    Result<RunReport> run(const Dag &dag, VertexRunner &runner, const RunOptions &opts = {});
    // Sets the cancel flag of every run in progress; queued vertices are
    // dropped at once, running ones see the flag.
    void cancel_all();

    const ResourceLimits &limits() const;
    const Topology &topology() const;
    // How the per-node arenas are made: "tbbbind" (constrained to their node
    // by oneTBB), "hwloc" (plain arenas sized to the node: synthetic/XML
    // topology or no tbbbind) or "single" (one node). In every case the
    // executor thread of a pinned vertex is bound with hwloc on multi-node
    // machines.
    const char *numa_arena_mode() const;

private:
    struct Impl;
    explicit Scheduler(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace dmc::core
