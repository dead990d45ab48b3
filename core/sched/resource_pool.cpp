// SPDX-License-Identifier: Apache-2.0
//
// Token counting for the scheduler. Acquisition is all-or-nothing (the
// scheduler checks shortage() and acquires under one lock), which is what
// rules out hold-and-wait deadlocks between vertices.
#include "damocles/core/internal/resource_pool.hpp"

#include <algorithm>
#include <thread>

#include "damocles/core/internal/dag_format.hpp"
#include "damocles/core/internal/gpu_probe.hpp"
#include "damocles/core/internal/topology.hpp"

namespace dmc::core {

Result<ResourceLimits> resolve_budget(const ResourceBudget &budget, const Topology *topology)
{
    ResourceLimits out;
    out.cores = budget.cores;
    if (out.cores == 0) out.cores = topology ? topology->pu_count() : std::thread::hardware_concurrency();
    if (out.cores == 0) out.cores = 1;
    out.memory_bytes = budget.memory_bytes ? budget.memory_bytes : default_memory_budget();
    if (out.memory_bytes == 0)
        return make_error(Errc::invalid_argument, "cannot size the memory budget (physical memory unknown); set it");
    out.gpu_slots =
        budget.gpu_slots ? *budget.gpu_slots : static_cast<uint32_t>(std::max(0, probe_gpus().cuda_devices));
    for (const auto &[key, limit] : budget.concurrency) {
        if (limit == 0)
            return make_error(Errc::invalid_argument, "[processors.limitation.concurrent] " + key +
                                                          " = 0: nothing could run; remove the key for no limit");
        out.concurrency[key] = limit;
    }
    return out;
}

void Shortage::merge(const Shortage &other)
{
    cores |= other.cores;
    memory |= other.memory;
    gpu |= other.gpu;
    keys.insert(other.keys.begin(), other.keys.end());
}

bool Shortage::touches(const ResourceNeeds &needs) const
{
    if (cores && needs.cores) return true;
    if (memory && needs.memory_bytes) return true;
    if (gpu && needs.gpu_slots) return true;
    return !needs.limit_key.empty() && keys.count(needs.limit_key);
}

ResourceNeeds ResourcePool::clamp(const ResourceNeeds &needs, std::string *why) const
{
    ResourceNeeds out = needs;
    std::string reduced;
    auto note = [&](const std::string &what) { reduced += (reduced.empty() ? "" : ", ") + what; };
    // Core counts are how many threads a vertex could use, not a minimum: a
    // host with fewer cores simply gives it all of them (no warning).
    if (out.cores > limits_.cores) out.cores = limits_.cores;
    if (out.memory_bytes > limits_.memory_bytes) {
        note(format_bytes(out.memory_bytes) + " > memory budget " + format_bytes(limits_.memory_bytes));
        out.memory_bytes = limits_.memory_bytes;
    }
    if (out.gpu_slots > limits_.gpu_slots) {
        note(std::to_string(out.gpu_slots) + " GPU slots > budget " + std::to_string(limits_.gpu_slots));
        out.gpu_slots = limits_.gpu_slots;
    }
    if (why) *why = reduced;
    return out;
}

Shortage ResourcePool::shortage(const ResourceNeeds &needs) const
{
    Shortage s;
    s.cores = needs.cores > limits_.cores - std::min(cores_used_, limits_.cores);
    s.memory = needs.memory_bytes > limits_.memory_bytes - std::min(memory_used_, limits_.memory_bytes);
    s.gpu = needs.gpu_slots > limits_.gpu_slots - std::min(gpu_used_, limits_.gpu_slots);
    if (!needs.limit_key.empty()) {
        auto it = limits_.concurrency.find(needs.limit_key);
        if (it != limits_.concurrency.end() && key_used(needs.limit_key) >= it->second) s.keys.insert(needs.limit_key);
    }
    return s;
}

void ResourcePool::acquire(const ResourceNeeds &needs)
{
    cores_used_ += needs.cores;
    memory_used_ += needs.memory_bytes;
    gpu_used_ += needs.gpu_slots;
    if (!needs.limit_key.empty()) ++keys_used_[needs.limit_key];
}

void ResourcePool::release(const ResourceNeeds &needs)
{
    cores_used_ -= std::min(cores_used_, needs.cores);
    memory_used_ -= std::min(memory_used_, needs.memory_bytes);
    gpu_used_ -= std::min(gpu_used_, needs.gpu_slots);
    if (!needs.limit_key.empty()) {
        auto it = keys_used_.find(needs.limit_key);
        if (it != keys_used_.end() && it->second > 0 && --it->second == 0) keys_used_.erase(it);
    }
}

uint32_t ResourcePool::key_used(const std::string &key) const
{
    auto it = keys_used_.find(key);
    return it == keys_used_.end() ? 0 : it->second;
}

} // namespace dmc::core
