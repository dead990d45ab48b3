// SPDX-License-Identifier: Apache-2.0
//
// One progress line on a terminal (percent, stage, ETA), rewritten in place
// at most a few times a second; silent when stderr is not a TTY.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "damocles/core/progress.hpp"

namespace dmc::cli {

class ProgressPrinter {
public:
    explicit ProgressPrinter(std::string label);
    void update(const core::SectorProgress &p);
    void finish();

private:
    std::string label_;
    bool tty_;
    bool printed_ = false;
    std::mutex mutex_;
    std::chrono::steady_clock::time_point last_{};
    core::SectorProgress latest_;  // printed by finish() (updates are throttled)
    bool have_latest_ = false;
};

} // namespace dmc::cli
