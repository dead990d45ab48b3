// SPDX-License-Identifier: Apache-2.0
//
// NUMA placement of pinned vertices (a sector's PC1): a pure function of the
// nodes' current load, so that it is tested without a NUMA machine.
#pragma once

#include <cstdint>
#include <vector>

namespace dmc::core {

struct NodeLoad {
    uint64_t memory_total = 0; // local memory of the node, 0 = unknown (anything fits)
    uint64_t memory_used = 0;  // memory needs of the pinned vertices running there
    uint32_t running = 0;      // pinned vertices running there
    uint32_t cores = 0;        // cores of the node, 0 = unknown (counted as 1)
};

// The least-loaded node on which `memory_needed` fits in the free local
// memory; -1 when it fits nowhere (the caller runs the vertex unpinned).
// Load = running vertices per core; ties go to the node with less memory
// used, then to the lowest index.
int choose_numa_node(const std::vector<NodeLoad> &nodes, uint64_t memory_needed);

} // namespace dmc::core
