// SPDX-License-Identifier: Apache-2.0
//
// Descriptor of the CUDA plugin. Stages appear only when implemented and
// validated on a real GPU.
#include "damocles/plugin.h"
#include "damocles/version.h"

namespace {

const dmc_plugin_descriptor kDescriptor = {
    DMC_PLUGIN_ABI,
    sizeof(dmc_plugin_descriptor),
    "gpu",
    DMC_VERSION,
    "CUDA Poseidon trees (tree_c, tree_r_last)",
    0,
    DMC_GPU_CUDA,
    0,
    nullptr,
    {nullptr, nullptr, nullptr, nullptr},
};

} // namespace

extern "C" DMC_EXPORT const dmc_plugin_descriptor *dmc_plugin_query(void) { return &kDescriptor; }
