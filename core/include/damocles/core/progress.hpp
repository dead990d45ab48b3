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

#include "damocles/core/dag.hpp"
#include "damocles/core/scheduler.hpp"

namespace dmc::core {

struct SectorProgress {
    double fraction = 0;                     // 0..1
    std::string stage;                       // heaviest running vertex kind, else the last started, "" before any
    std::chrono::seconds elapsed{0};         // since the first vertex started running
    std::optional<std::chrono::seconds> eta; // unknown until some work was measured
    bool finished = false;                   // every vertex settled (whatever the outcome)
};

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

// "42s", "3m05s", "1h02m".
std::string format_duration(std::chrono::seconds d);
// "s-t01001-1 [#######.............]  37.5%  pc1  1h02m elapsed, ETA 1h44m"
// (bar_width 0: no bar).
std::string format_progress_line(const std::string &label, const SectorProgress &p, uint32_t bar_width = 20);

} // namespace dmc::core
