// SPDX-License-Identifier: Apache-2.0
//
// Progress of sectors in a running DAG: each vertex reports a fraction, a
// sector's progress is the weighted mean over its vertices (vertex weights:
// dag.hpp), and rate and ETA come from the time elapsed since its first vertex
// really started (vertices skipped on resume do not count as speed). The
// caller decides when to print; format_progress_line() makes the TTY line.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "damocles/core/internal/dag.hpp"
#include "damocles/core/internal/scheduler.hpp"
#include "damocles/core/sector_progress.hpp"

namespace dmc::core {

class ProgressTracker final : public SchedulerObserver {
public:
    using Clock = std::chrono::steady_clock;

    explicit ProgressTracker(const Dag &dag);

    void on_started(const Dag &dag, VertexId v, const VertexContext &ctx) override;
    void on_progress(const Dag &dag, VertexId v, double fraction) override;
    void on_finished(const Dag &dag, VertexId v, const VertexResult &result) override;

    // The same updates with an explicit clock (tests, callers driving it).
    void started(VertexId v, Clock::time_point now);
    void progress(VertexId v, double fraction);
    // completed: ok or skipped_done; previously_done: skipped_done (resume).
    void finished(VertexId v, bool completed, bool previously_done, Clock::time_point now);

    SectorProgress sector(uint32_t sector, Clock::time_point now = Clock::now()) const;
    // The whole batch: the mean over its sectors.
    SectorProgress batch(Clock::time_point now = Clock::now()) const;

private:
    struct VertexState {
        double fraction = 0;
        bool running = false, settled = false, previously_done = false;
        uint64_t start_order = 0;
    };
    SectorProgress sector_locked(uint32_t sector, Clock::time_point now) const;

    const Dag &dag_;
    mutable std::mutex mu_;
    std::vector<VertexState> vertices_;
    std::vector<std::optional<Clock::time_point>> first_start_; // per sector
    uint64_t starts_ = 0;
};

} // namespace dmc::core
