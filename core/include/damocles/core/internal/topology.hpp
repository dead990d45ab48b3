// SPDX-License-Identifier: Apache-2.0
//
// The machine as hwloc sees it: NUMA nodes with their cores, PUs and local
// memory, and binding of the calling thread (CPU set and memory policy) to a
// node. hwloc_topology_load honours HWLOC_XMLFILE and HWLOC_SYNTHETIC, so
// tests can fake 2- and 4-node machines; such a topology is not "this
// system" and binding to it is refused (placement still works on it).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "damocles/sdk/result.hpp"

namespace dmc::core {

struct NumaNodeInfo {
    uint32_t index = 0;        // logical index, 0..n-1 (placement works on these)
    int os_index = -1;         // OS node number (numactl, tbb::info, dmc_call::numa_node)
    uint64_t memory_bytes = 0; // local memory, 0 if hwloc does not know
    uint32_t cores = 0;
    uint32_t pus = 0;
    std::string cpuset; // PU list, e.g. "0-7,16-23"
};

class Topology {
public:
    // This machine (or what HWLOC_XMLFILE / HWLOC_SYNTHETIC describe).
    static Result<std::shared_ptr<const Topology>> load();
    // A synthetic machine, e.g. "pack:1 numa:2 core:2 pu:1" (tests).
    static Result<std::shared_ptr<const Topology>> from_synthetic(const std::string &description);

    ~Topology();
    Topology(const Topology &) = delete;
    Topology &operator=(const Topology &) = delete;

    // Never empty: a machine without NUMA information is one node.
    const std::vector<NumaNodeInfo> &numa_nodes() const;
    uint32_t pu_count() const;
    uint32_t core_count() const;
    uint64_t memory_bytes() const; // total, 0 if unknown
    // false for synthetic and XML topologies: binding is refused on them.
    bool is_this_system() const;
    // "2 NUMA nodes, 4 cores, 4 PUs, 2GiB (synthetic)".
    std::string describe() const;

    // Binds the calling thread's CPUs to `node` (logical index) and its memory
    // policy to HWLOC_MEMBIND_BIND on that node. Threads created afterwards
    // inherit both. An error says which of the two the OS refused; the caller
    // decides whether that matters (the scheduler warns and goes on).
    Status bind_current_thread(uint32_t node) const;

private:
    struct Impl;
    explicit Topology(std::unique_ptr<Impl> impl);
    static Result<std::shared_ptr<const Topology>> load_impl(const std::string *synthetic);
    std::unique_ptr<Impl> impl_;
};

// 80% of physical RAM, or of the cgroup v2 memory.max limit when lower: the
// default memory budget of the scheduler.
uint64_t default_memory_budget();

} // namespace dmc::core
