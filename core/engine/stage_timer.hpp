// SPDX-License-Identifier: Apache-2.0
//
// Times one run of a step for EngineOptions::on_stage_timed. The run counts
// as failed unless succeeded() was called, so early returns on failure need
// no extra code.
#pragma once

#include <chrono>
#include <string>

#include "damocles/core/engine.hpp"

namespace dmc::core {

class StageTimer {
public:
    StageTimer(const StageTimingHook &hook, std::string stage)
        : hook_(hook), stage_(std::move(stage)), started_(std::chrono::steady_clock::now())
    {
    }
    ~StageTimer()
    {
        if (!hook_) return;
        const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started_;
        hook_(stage_, elapsed.count(), ok_);
    }
    StageTimer(const StageTimer &) = delete;
    StageTimer &operator=(const StageTimer &) = delete;
    // Marks the run successful; returns success so that a caller can write
    // `return timer.succeeded();` where it returned `{}`.
    Status succeeded()
    {
        ok_ = true;
        return {};
    }

private:
    const StageTimingHook &hook_;
    std::string stage_;
    std::chrono::steady_clock::time_point started_;
    bool ok_ = false;
};

} // namespace dmc::core
