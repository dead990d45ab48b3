// SPDX-License-Identifier: Apache-2.0
//
// Per-stage durations for the console's chart (docs/architecture.md §8.9).
// The registry keeps only each sector's latest state, so the manager keeps a
// bounded in-memory history, fed by the worker calls it already receives:
// an allocation starts a lease's clock, every accepted Venus.ReportState
// whose `event` (the step the worker finished last) changed closes that step
// (its duration is the time since the previous step closed), and
// ReportFinalized closes the whole rebuild. tree_c and tree_r_last run in
// parallel: the one finishing second is charged only the time it added.
// The history starts empty with every manager start.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "service/registry/registry_types.hpp"

namespace dmc::service::ui {

struct StageStats {
    std::string stage; // a vertex kind name: add_pieces, tree_d, pc1, …
    size_t count = 0;
    double mean_seconds = 0, max_seconds = 0, last_seconds = 0;
};

class StageHistory {
public:
    using Clock = std::chrono::steady_clock;

    // At most `max_samples` step durations and `max_rebuilds` rebuild
    // durations are kept (the oldest go first), and at most `max_open`
    // leases are followed at once.
    explicit StageHistory(size_t max_samples = 2048, size_t max_rebuilds = 256, size_t max_open = 4096);

    void on_allocated(const SectorKey &key, uint64_t lease_id, Clock::time_point now);
    void on_report(const SectorKey &key, uint64_t lease_id, const std::string &event, Clock::time_point now);
    void on_finalized(const SectorKey &key, uint64_t lease_id, Clock::time_point now);
    void on_aborted(const SectorKey &key);

    // One row per stage, in the order stages were first seen (the rebuild
    // order), over the samples kept.
    std::vector<StageStats> stage_stats() const;
    // Mean wall time of the rebuilds finalized since the manager started.
    std::optional<double> mean_rebuild_seconds() const;
    size_t rebuilds() const;

private:
    struct OpenLease {
        uint64_t lease_id = 0;
        Clock::time_point started, last_step;
        std::string last_event;
        bool from_allocation = false; // started is the allocation time
    };
    struct Sample {
        std::string stage;
        double seconds;
    };
    OpenLease &open(const SectorKey &key, uint64_t lease_id, Clock::time_point now);

    const size_t max_samples_, max_rebuilds_, max_open_;
    mutable std::mutex mutex_;
    std::map<SectorKey, OpenLease> open_;
    std::deque<Sample> samples_;
    std::deque<double> rebuild_seconds_;
    std::vector<std::string> stage_order_;
};

} // namespace dmc::service::ui
