// SPDX-License-Identifier: Apache-2.0
//
// Descriptor of the cpu reference plugin. Stages are listed here only once
// they are fully implemented (never a stub that returns success).
#include "damocles/plugin.h"
#include "damocles/version.h"

namespace {

const dmc_plugin_descriptor kDescriptor = {
    DMC_PLUGIN_ABI,
    sizeof(dmc_plugin_descriptor),
    "cpu",
    DMC_VERSION,
    "portable reference implementation (any x86-64)",
    0,
    DMC_GPU_NONE,
    0,
    nullptr,
    {nullptr, nullptr, nullptr, nullptr},
};

} // namespace

extern "C" DMC_EXPORT const dmc_plugin_descriptor *dmc_plugin_query(void) { return &kDescriptor; }
