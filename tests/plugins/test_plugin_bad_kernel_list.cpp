// SPDX-License-Identifier: Apache-2.0
// Loader test: a kernel_bench table whose kernel list has an invalid name.
#include "damocles/plugin.h"

namespace {

dmc_status run(const dmc_call *, dmc_kernel_bench_args *) { return DMC_ERR_INTERNAL; }

const char *const kKernelNames[] = {"fine", "Not A Name", nullptr};
const dmc_kernel_bench_ops kOps = {sizeof(dmc_kernel_bench_ops), 0, run, kKernelNames};
const dmc_stage_desc kStages[] = {
    {sizeof(dmc_stage_desc), DMC_STAGE_KERNEL_BENCH, DMC_KERNEL_BENCH_IFACE, 0, 0, 1, &kOps},
};
const dmc_plugin_descriptor kDescriptor = {
    DMC_PLUGIN_ABI,
    sizeof(dmc_plugin_descriptor),
    "test-bad-kernel-list",
    "0.0.1",
    "invalid kernel name",
    0,
    DMC_GPU_NONE,
    1,
    kStages,
    {nullptr, nullptr, nullptr, nullptr},
};

} // namespace

extern "C" DMC_EXPORT const dmc_plugin_descriptor *dmc_plugin_query(void) { return &kDescriptor; }
