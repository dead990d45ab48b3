// SPDX-License-Identifier: Apache-2.0
//
// Least-loaded NUMA node that fits. Load is compared as running/cores by
// cross-multiplication, so nodes with different core counts compare fairly
// and no floating point enters the decision (tests compare exact choices).
#include "damocles/core/internal/placement.hpp"

#include <cstddef>

namespace dmc::core {

namespace {

bool fits(const NodeLoad &n, uint64_t memory_needed)
{
    if (n.memory_total == 0) return true;
    return n.memory_used <= n.memory_total && n.memory_total - n.memory_used >= memory_needed;
}

// a is strictly less loaded than b.
bool less_loaded(const NodeLoad &a, const NodeLoad &b)
{
    uint64_t ca = a.cores ? a.cores : 1, cb = b.cores ? b.cores : 1;
    uint64_t la = static_cast<uint64_t>(a.running) * cb, lb = static_cast<uint64_t>(b.running) * ca;
    if (la != lb) return la < lb;
    return a.memory_used < b.memory_used;
}

} // namespace

int choose_numa_node(const std::vector<NodeLoad> &nodes, uint64_t memory_needed)
{
    int best = -1;
    for (size_t i = 0; i < nodes.size(); ++i) {
        if (!fits(nodes[i], memory_needed)) continue;
        if (best < 0 || less_loaded(nodes[i], nodes[static_cast<size_t>(best)])) best = static_cast<int>(i);
    }
    return best;
}

} // namespace dmc::core
