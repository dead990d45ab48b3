// SPDX-License-Identifier: Apache-2.0
//
// The order of one run's waiting vertices in the scheduler's queue
// (docs/architecture.md §5.3): sector by sector (a vertex's lowest sector
// index), the deepest first within a sector, so that a sector's checks,
// persist and report go ahead of the next sector's trees; and never ahead
// of another run's vertex that arrived earlier. Pure functions, used by
// scheduler.cpp under its lock.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "damocles/core/internal/dag.hpp"

namespace dmc::core {

// Longest path from a root to each vertex. The DAG must be valid (acyclic).
std::vector<uint32_t> vertex_depths(const Dag &dag);

// Whether waiting vertex a goes ahead of waiting vertex b of the same run.
bool goes_ahead(const Dag &dag, const std::vector<uint32_t> &depth, VertexId a, VertexId b);

// A run's waiting vertex in one of the queue slots the run holds, and when
// it arrived (a number that grows with each arrival, all runs together).
struct RunWaiting {
    VertexId v;
    uint64_t arrival;
};

// Which of `mine` (in slot order) goes to each of the run's slots: at each
// slot, of those not placed yet that arrived before `bound[slot]` (the
// earliest arrival among other runs' vertices queued behind that slot,
// UINT64_MAX when none), the one that goes ahead of the others (then the
// earliest). Indices into `mine`. A queue built this way keeps every
// vertex behind the other runs' vertices that arrived before it.
std::vector<size_t> arrange_run_slots(const Dag &dag, const std::vector<uint32_t> &depth,
                                      const std::vector<RunWaiting> &mine, const std::vector<uint64_t> &bound);

// Whether some successor of v has every predecessor settled (it becomes
// ready once their signals arrive).
bool successor_becomes_ready(const Dag &dag, VertexId v, const std::function<bool(VertexId)> &settled);

} // namespace dmc::core
