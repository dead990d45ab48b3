// SPDX-License-Identifier: Apache-2.0
//
// hwloc topology wrapper. The hwloc topology is loaded once and then only
// read, which hwloc documents as thread-safe, so one Topology is shared by
// every executor thread of the scheduler.
#include "damocles/core/internal/topology.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include <hwloc.h>
#include <unistd.h>

namespace dmc::core {

struct Topology::Impl {
    hwloc_topology_t topo = nullptr;
    std::vector<NumaNodeInfo> nodes;
    uint32_t pus = 0, cores = 0;
    uint64_t memory = 0;
    bool this_system = true;
    std::string source;

    ~Impl()
    {
        if (topo) hwloc_topology_destroy(topo);
    }
};

namespace {

std::string bitmap_list(hwloc_const_bitmap_t set)
{
    char *text = nullptr;
    if (hwloc_bitmap_list_asprintf(&text, set) < 0 || !text) return "";
    std::string out = text;
    std::free(text);
    return out;
}

uint32_t count_inside(hwloc_topology_t topo, hwloc_const_cpuset_t set, hwloc_obj_type_t type)
{
    int n = hwloc_get_nbobjs_inside_cpuset_by_type(topo, set, type);
    return n > 0 ? static_cast<uint32_t>(n) : 0;
}

} // namespace

Topology::Topology(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Topology::~Topology() = default;

Result<std::shared_ptr<const Topology>> Topology::load_impl(const std::string *synthetic)
{
    auto impl = std::make_unique<Impl>();
    if (hwloc_topology_init(&impl->topo) != 0)
        return make_error(Errc::internal, std::string("hwloc_topology_init failed: ") + std::strerror(errno));
    if (synthetic && hwloc_topology_set_synthetic(impl->topo, synthetic->c_str()) != 0)
        return make_error(Errc::invalid_argument, "invalid synthetic hwloc topology '" + *synthetic + "'");
    if (hwloc_topology_load(impl->topo) != 0)
        return make_error(Errc::io, std::string("hwloc_topology_load failed: ") + std::strerror(errno) +
                                        " (check HWLOC_XMLFILE / HWLOC_SYNTHETIC)");
    hwloc_topology_t topo = impl->topo;
    impl->this_system = hwloc_topology_is_thissystem(topo) != 0;
    hwloc_obj_t root = hwloc_get_root_obj(topo);
    impl->pus = count_inside(topo, root->cpuset, HWLOC_OBJ_PU);
    impl->cores = count_inside(topo, root->cpuset, HWLOC_OBJ_CORE);
    impl->memory = root->total_memory;
    if (synthetic)
        impl->source = "synthetic";
    else if (const char *env = std::getenv("HWLOC_SYNTHETIC"); env && *env)
        impl->source = "synthetic";
    else if (const char *xml = std::getenv("HWLOC_XMLFILE"); xml && *xml)
        impl->source = "xml";
    else
        impl->source = impl->this_system ? "native" : "foreign";

    int count = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
    for (int i = 0; i < count; ++i) {
        hwloc_obj_t node = hwloc_get_obj_by_type(topo, HWLOC_OBJ_NUMANODE, static_cast<unsigned>(i));
        if (!node) continue;
        NumaNodeInfo info;
        info.index = static_cast<uint32_t>(impl->nodes.size());
        info.os_index = static_cast<int>(node->os_index);
        info.memory_bytes = node->attr ? node->attr->numanode.local_memory : 0;
        info.cores = count_inside(topo, node->cpuset, HWLOC_OBJ_CORE);
        info.pus = count_inside(topo, node->cpuset, HWLOC_OBJ_PU);
        info.cpuset = bitmap_list(node->cpuset);
        impl->nodes.push_back(std::move(info));
    }
    if (impl->nodes.empty()) {
        // hwloc 2 always reports one NUMA node; keep the invariant anyway.
        NumaNodeInfo info;
        info.os_index = 0;
        info.memory_bytes = impl->memory;
        info.cores = impl->cores;
        info.pus = impl->pus;
        info.cpuset = bitmap_list(root->cpuset);
        impl->nodes.push_back(std::move(info));
    }
    return std::shared_ptr<const Topology>(new Topology(std::move(impl)));
}

Result<std::shared_ptr<const Topology>> Topology::load() { return load_impl(nullptr); }

Result<std::shared_ptr<const Topology>> Topology::from_synthetic(const std::string &description)
{
    return load_impl(&description);
}

const std::vector<NumaNodeInfo> &Topology::numa_nodes() const { return impl_->nodes; }
uint32_t Topology::pu_count() const { return impl_->pus; }
uint32_t Topology::core_count() const { return impl_->cores; }
uint64_t Topology::memory_bytes() const { return impl_->memory; }
bool Topology::is_this_system() const { return impl_->this_system; }

std::string Topology::describe() const
{
    auto gib = [](uint64_t b) { return std::to_string(b >> 30) + "GiB"; };
    return std::to_string(impl_->nodes.size()) + " NUMA node" + (impl_->nodes.size() == 1 ? "" : "s") + ", " +
           std::to_string(impl_->cores) + " cores, " + std::to_string(impl_->pus) + " PUs, " + gib(impl_->memory) +
           " (" + impl_->source + ")";
}

Status Topology::bind_current_thread(uint32_t node) const
{
    if (node >= impl_->nodes.size())
        return make_error(Errc::invalid_argument, "NUMA node " + std::to_string(node) +
                                                      " does not exist (machine has " +
                                                      std::to_string(impl_->nodes.size()) + ")");
    if (!impl_->this_system)
        return make_error(Errc::unsupported,
                          "the hwloc topology is " + impl_->source + ", not this machine: threads are not bound");
    hwloc_obj_t obj = hwloc_get_obj_by_type(impl_->topo, HWLOC_OBJ_NUMANODE, node);
    if (!obj) return make_error(Errc::internal, "hwloc lost NUMA node " + std::to_string(node));
    std::string failed;
    if (hwloc_set_cpubind(impl_->topo, obj->cpuset, HWLOC_CPUBIND_THREAD) != 0)
        failed = std::string("CPU binding refused (") + std::strerror(errno) + ")";
    if (hwloc_set_membind(impl_->topo, obj->nodeset, HWLOC_MEMBIND_BIND,
                          HWLOC_MEMBIND_THREAD | HWLOC_MEMBIND_BYNODESET) != 0)
        failed += std::string(failed.empty() ? "" : ", ") + "memory binding refused (" + std::strerror(errno) + ")";
    if (!failed.empty())
        return make_error(Errc::unsupported, "binding to NUMA node " + std::to_string(obj->os_index) + ": " + failed);
    return {};
}

uint64_t default_memory_budget()
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    uint64_t total = pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
    // A container's limit is what the kernel enforces (cgroup v2 only; v1 is legacy).
    std::ifstream cg("/sys/fs/cgroup/memory.max");
    std::string limit;
    if (cg >> limit && limit != "max") {
        char *end = nullptr;
        unsigned long long v = std::strtoull(limit.c_str(), &end, 10);
        if (end && *end == '\0' && v > 0 && (total == 0 || v < total)) total = v;
    }
    return total / 5 * 4;
}

} // namespace dmc::core
