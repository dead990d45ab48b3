// SPDX-License-Identifier: Apache-2.0
//
// Loader test: an ABI 1.1 plugin whose only stage is kernel_bench, through
// the sdk's run_kernel_bench. Its one kernel, "echo", times nothing: it
// writes its work and params into the text line and returns 0 ns, so a test
// can check what crossed the ABI. Params[0] = 7 is "not offered".
#include <string>

#include "damocles/plugin.h"
#include "damocles/sdk/kernel_bench_support.hpp"

namespace {

double echo(const dmc_kernel_bench_args &args)
{
    if (args.params[0] == 7) return dmc::plugin::kNotOffered;
    dmc::plugin::put_text(args, "work=" + std::to_string(args.work) + " params=" + std::to_string(args.params[0]) +
                                    "," + std::to_string(args.params[3]));
    return 0;
}

const dmc::plugin::KernelBenchEntry kKernels[] = {{"echo", echo}};
const char *const kKernelNames[] = {"echo", nullptr};

dmc_status run(const dmc_call *call, dmc_kernel_bench_args *args)
{
    return dmc::plugin::run_kernel_bench(call, args, kKernels, "test-kernel-bench");
}

const dmc_kernel_bench_ops kOps = {sizeof(dmc_kernel_bench_ops), 0, run, kKernelNames};
const dmc_stage_desc kStages[] = {
    {sizeof(dmc_stage_desc), DMC_STAGE_KERNEL_BENCH, DMC_KERNEL_BENCH_IFACE, 0, 0, 1, &kOps},
};
const dmc_plugin_descriptor kDescriptor = {
    DMC_PLUGIN_ABI,
    sizeof(dmc_plugin_descriptor),
    "test-kernel-bench",
    "1.1.0",
    "loader test plugin (kernel_bench)",
    0,
    DMC_GPU_NONE,
    1,
    kStages,
    {nullptr, nullptr, nullptr, nullptr},
};

} // namespace

extern "C" DMC_EXPORT const dmc_plugin_descriptor *dmc_plugin_query(void) { return &kDescriptor; }
