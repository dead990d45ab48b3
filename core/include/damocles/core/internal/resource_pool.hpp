// SPDX-License-Identifier: Apache-2.0
//
// Resources as tokens (docs/architecture.md §5): cores, a memory budget in bytes,
// GPU slots and per-key concurrency limits from
// [processors.limitation.concurrent]. The pool only counts; the scheduler
// (scheduler.hpp) decides who gets tokens and guards the pool with its lock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "damocles/core/internal/dag.hpp"
#include "damocles/core/resource_budget.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc::core {

class Topology;

// A budget with every default filled in.
struct ResourceLimits {
    uint32_t cores = 1;
    uint64_t memory_bytes = 0;
    uint32_t gpu_slots = 0;
    std::map<std::string, uint32_t> concurrency;
};

// Fills in the defaults (topology may be null: hardware_concurrency). A
// concurrency limit of 0 is invalid_argument: nothing with that key could
// ever run (remove the key for "unlimited").
Result<ResourceLimits> resolve_budget(const ResourceBudget &budget, const Topology *topology);

// The kinds of token a vertex is short of.
struct Shortage {
    bool cores = false, memory = false, gpu = false;
    std::set<std::string> keys;

    bool empty() const { return !cores && !memory && !gpu && keys.empty(); }
    void merge(const Shortage &other);
    // `needs` takes a token of a kind listed here.
    bool touches(const ResourceNeeds &needs) const;
};

class ResourcePool {
public:
    explicit ResourcePool(ResourceLimits limits) : limits_(std::move(limits)) {}

    const ResourceLimits &limits() const { return limits_; }
    // `needs` reduced to what the whole budget can grant, so that a vertex
    // larger than the machine still runs (alone) instead of waiting forever.
    // `why` (if not null) receives what was reduced, "" when nothing was.
    ResourceNeeds clamp(const ResourceNeeds &needs, std::string *why = nullptr) const;
    // What is missing right now for `needs` (empty: it fits).
    Shortage shortage(const ResourceNeeds &needs) const;
    // All tokens of `needs` at once; the caller checked shortage() first.
    void acquire(const ResourceNeeds &needs);
    void release(const ResourceNeeds &needs);

    uint32_t cores_used() const { return cores_used_; }
    uint64_t memory_used() const { return memory_used_; }
    uint32_t gpu_used() const { return gpu_used_; }
    uint32_t key_used(const std::string &key) const;

private:
    ResourceLimits limits_;
    uint32_t cores_used_ = 0;
    uint64_t memory_used_ = 0;
    uint32_t gpu_used_ = 0;
    std::map<std::string, uint32_t> keys_used_;
};

} // namespace dmc::core
