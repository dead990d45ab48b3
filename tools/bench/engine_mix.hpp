// SPDX-License-Identifier: Apache-2.0
//
// The least time a core needs for a set of SHA-256 compressions, given the
// measured engine configurations (bench_limits.hpp). Blocks come in two
// kinds: plain ones, whose message schedule must be expanded, and repeated
// ones, which an engine may compress from a schedule kept from an earlier
// identical block (docs/algorithms.md §7.2) or plainly. One call of a
// configuration does some of each kind in a measured time (16 lanes
// replaying with 5 SHA-NI streams expanding their own: 16 repeated and 5
// plain). The least time is a linear program with two constraints:
//   minimise Σ x_k · ns_k  over calls x_k ≥ 0, such that
//     Σ x_k · plain_k                ≥ plain       (plain blocks)
//     Σ x_k · (plain_k + replayed_k) ≥ plain + replayed
// whose optimum uses at most two configurations; every one and every pair
// is tried, so the result is the exact optimum: a floor for any code that
// runs on these engines at their measured rates.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace dmc::cli::bench {

// What one call of an engine configuration compresses and what it costs.
struct EngineCall {
    std::string name;
    double ns = 0;       // time of one call
    double plain = 0;    // blocks of either kind per call
    double replayed = 0; // repeated blocks only (kept schedules) per call
};

struct EngineMix {
    double ns = 0;     // least time
    std::string basis; // "NAME*CALLS,NAME*CALLS": the configurations used
};

// nullopt when no mix can do it (plain > 0 and no engine compresses plainly).
std::optional<EngineMix> cheapest_mix(const std::vector<EngineCall> &engines, double plain, double replayed);

} // namespace dmc::cli::bench
