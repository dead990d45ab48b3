// SPDX-License-Identifier: Apache-2.0
//
// Loader test: a plugin as built against ABI 1.0 (before kernel_bench): its
// descriptor says 1.0 and it has no kernel_bench stage. A 1.1 host loads it
// and its benchmarks find no kernels to time.
#include "damocles/plugin.h"

namespace {
const dmc_plugin_descriptor kDescriptor = {
    (1u << 16) | 0u,
    sizeof(dmc_plugin_descriptor),
    "test-abi-1-0",
    "1.0.0",
    "built for ABI 1.0",
    0,
    DMC_GPU_NONE,
    0,
    nullptr,
    {nullptr, nullptr, nullptr, nullptr},
};
} // namespace

extern "C" DMC_EXPORT const dmc_plugin_descriptor *dmc_plugin_query(void) { return &kDescriptor; }
