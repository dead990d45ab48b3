// SPDX-License-Identifier: Apache-2.0
//
// The order of one run's waiting vertices in the scheduler's queue
// (docs/architecture.md §5.3): sector by sector (a vertex's lowest sector
// index), the deepest first within a sector, so that a sector's checks,
// persist and report go ahead of the next sector's trees. Pure functions of
// the DAG, used by scheduler.cpp under its lock.
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

// Whether some successor of v has every predecessor settled (it becomes
// ready once their signals arrive).
bool successor_becomes_ready(const Dag &dag, VertexId v, const std::function<bool(VertexId)> &settled);

} // namespace dmc::core
