// SPDX-License-Identifier: Apache-2.0
// Loader test: a descriptor whose struct_size is smaller than ABI 1.0's.
#include "damocles/plugin.h"

namespace {
const dmc_plugin_descriptor kDescriptor = {
    DMC_PLUGIN_ABI,
    16,
    "test-short",
    "0.0.1",
    "short descriptor",
    0,
    DMC_GPU_NONE,
    0,
    nullptr,
    {nullptr, nullptr, nullptr, nullptr},
};
} // namespace

extern "C" DMC_EXPORT const dmc_plugin_descriptor *dmc_plugin_query(void) { return &kDescriptor; }
