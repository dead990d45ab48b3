// SPDX-License-Identifier: Apache-2.0
//
// Descriptor of the cpu reference plugin: portable code only (runs on any
// x86-64), the byte reference every other plugin is compared with. A stage
// is listed here only once it is fully implemented.
#include "cpu_stages.hpp"
#include "damocles/plugin.h"
#include "damocles/version.h"

namespace {

using namespace dmc::cpu;

const dmc_stage_desc kStages[] = {
    {sizeof(dmc_stage_desc), DMC_STAGE_TREE_D, DMC_TREE_D_IFACE, 0, 0, 1, &kCpuTreeDOps},
    {sizeof(dmc_stage_desc), DMC_STAGE_PC1, DMC_PC1_IFACE, 0, 0, 1, &kCpuPc1Ops},
    {sizeof(dmc_stage_desc), DMC_STAGE_TREE_C, DMC_TREE_C_IFACE, 0, 0, 1, &kCpuTreeCOps},
    {sizeof(dmc_stage_desc), DMC_STAGE_TREE_R_LAST, DMC_TREE_R_LAST_IFACE, 0, 0, 1, &kCpuTreeRLastOps},
    {sizeof(dmc_stage_desc), DMC_STAGE_POREP_VANILLA, DMC_POREP_VANILLA_IFACE, 0, 0, 1, &kCpuPorepVanillaOps},
    {sizeof(dmc_stage_desc), DMC_STAGE_SNAP_ENCODE, DMC_SNAP_ENCODE_IFACE, 0, 0, 1, &kCpuSnapEncodeOps},
    {sizeof(dmc_stage_desc), DMC_STAGE_SNAP_VANILLA, DMC_SNAP_VANILLA_IFACE, 0, 0, 1, &kCpuSnapVanillaOps},
    {sizeof(dmc_stage_desc), DMC_STAGE_KERNEL_BENCH, DMC_KERNEL_BENCH_IFACE, 0, 0, 1, &kCpuKernelBenchOps},
};

const dmc_plugin_descriptor kDescriptor = {
    DMC_PLUGIN_ABI,
    sizeof(dmc_plugin_descriptor),
    "cpu",
    DMC_VERSION,
    "portable reference implementation (any x86-64)",
    0,
    DMC_GPU_NONE,
    sizeof(kStages) / sizeof(kStages[0]),
    kStages,
    {nullptr, nullptr, nullptr, nullptr},
};

} // namespace

extern "C" DMC_EXPORT const dmc_plugin_descriptor *dmc_plugin_query(void) { return &kDescriptor; }
