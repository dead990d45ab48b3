// SPDX-License-Identifier: Apache-2.0
// Loader test: requires AVX-512 IFMA; tests hide it with DAMOCLES_CPU_MASK.
#include "damocles/plugin.h"

namespace {
const dmc_plugin_descriptor kDescriptor = {
    DMC_PLUGIN_ABI,
    sizeof(dmc_plugin_descriptor),
    "test-needs-ifma",
    "0.0.1",
    "needs avx512ifma",
    DMC_CPU_AVX512IFMA,
    DMC_GPU_NONE,
    0,
    nullptr,
    {nullptr, nullptr, nullptr, nullptr},
};
} // namespace

extern "C" DMC_EXPORT const dmc_plugin_descriptor *dmc_plugin_query(void) { return &kDescriptor; }
