// SPDX-License-Identifier: Apache-2.0
// Loader test: a descriptor built for a different ABI major.
#include "damocles/plugin.h"

namespace {
const dmc_plugin_descriptor kDescriptor = {
    (99u << 16) | 0u,  sizeof(dmc_plugin_descriptor),
    "test-bad-abi",    "0.0.1",
    "wrong ABI major", 0,
    DMC_GPU_NONE,      0,
    nullptr,           {nullptr, nullptr, nullptr, nullptr},
};
} // namespace

extern "C" DMC_EXPORT const dmc_plugin_descriptor *dmc_plugin_query(void) { return &kDescriptor; }
