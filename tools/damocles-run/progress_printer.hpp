// SPDX-License-Identifier: Apache-2.0
//
// One progress line on a terminal (percent, stage, elapsed, ETA and the rate
// in sector bytes per second), rewritten in place at most a few times a
// second; silent when stderr is not a TTY.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "damocles/core/internal/progress.hpp"

namespace dmc::cli {

class ProgressPrinter {
public:
    // total_bytes: the sector bytes the work covers (for the rate), 0 = none.
    explicit ProgressPrinter(std::string label, uint64_t total_bytes = 0);
    void update(const core::SectorProgress &p);
    void finish();

private:
    std::string line(const core::SectorProgress &p) const;
    std::string label_;
    uint64_t total_bytes_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
    bool tty_;
    bool printed_ = false;
    std::mutex mutex_;
    std::chrono::steady_clock::time_point last_{};
    core::SectorProgress latest_; // printed by finish() (updates are throttled)
    bool have_latest_ = false;
};

} // namespace dmc::cli
