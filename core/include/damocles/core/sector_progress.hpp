// SPDX-License-Identifier: Apache-2.0
//
// How far one sector (or a batch) is: a fraction weighted by the cost of its
// steps, the running stage, time elapsed and an ETA, and the one-line text
// the CLI prints. Computed by the engine's progress tracker
// (internal/progress.hpp) and handed to SessionOptions::on_progress.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace dmc::core {

struct SectorProgress {
    double fraction = 0;                     // 0..1
    std::string stage;                       // heaviest running vertex kind, else the last started, "" before any
    std::chrono::seconds elapsed{0};         // since the first vertex started running
    std::optional<std::chrono::seconds> eta; // unknown until some work was measured
    bool finished = false;                   // every vertex settled (whatever the outcome)
};

// "42s", "3m05s", "1h02m".
std::string format_duration(std::chrono::seconds d);
// "s-t01001-1 [#######.............]  37.5%  pc1  1h02m elapsed, ETA 1h44m"
// (bar_width 0: no bar).
std::string format_progress_line(const std::string &label, const SectorProgress &p, uint32_t bar_width = 20);

} // namespace dmc::core
