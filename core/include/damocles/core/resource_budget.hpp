// SPDX-License-Identifier: Apache-2.0
//
// What the engine may use (docs/architecture.md §5): cores, a memory budget, GPU
// slots and per-stage concurrency limits ([processors.limitation.concurrent]).
// Zero/absent values mean "what the machine has"; the scheduler's resource
// pool (internal/resource_pool.hpp) turns them into tokens.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace dmc::core {

struct ResourceBudget {
    uint32_t cores = 0;                // 0 = every PU of the topology
    uint64_t memory_bytes = 0;         // 0 = default_memory_budget() (80% of RAM)
    std::optional<uint32_t> gpu_slots; // nullopt = CUDA devices found (probe_gpus)
    // [processors.limitation.concurrent]: key -> tokens (tree_d, pc1, pc2, c1,
    // snap_encode, snap_prove, add_pieces, ...); an absent key is unlimited.
    std::map<std::string, uint32_t> concurrency;
};

} // namespace dmc::core
