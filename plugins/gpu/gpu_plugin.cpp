// SPDX-License-Identifier: Apache-2.0
//
// Descriptor of the CUDA plugin: tree_c and tree_r_last with the Poseidon
// kernels of cuda_tree.cu. This file holds static data only: the host reads
// it before checking the GPU need, and skips the plugin (with the reason)
// when the machine has no CUDA device, so none of the stage code runs there.
//
// The stages are implemented but have not yet run on a GPU: their identity
// with the cpu plugin is checked by tests/unit/gpu, which skips without a
// device (issue 13 stays open until it passes on one).
#include "damocles/plugin.h"
#include "damocles/version.h"
#include "gpu_stages.hpp"

namespace {

using namespace dmc::gpu;

// Priority -10, below the cpu reference (0): until the stages have passed the
// identity tests on a real GPU they run only when asked for
// (`[plugins] tree_c = "gpu"`, `--plugin tree_c=gpu`). Raise it above the
// avx512 plugin (10) once validated, so that GPU machines use it for PC2.
constexpr int32_t kPriority = -10;

const dmc_stage_desc kStages[] = {
    {sizeof(dmc_stage_desc), DMC_STAGE_TREE_C, DMC_TREE_C_IFACE, kPriority, 0, 1, &kGpuTreeCOps},
    {sizeof(dmc_stage_desc), DMC_STAGE_TREE_R_LAST, DMC_TREE_R_LAST_IFACE, kPriority, 0, 1, &kGpuTreeRLastOps},
};

const dmc_plugin_descriptor kDescriptor = {
    DMC_PLUGIN_ABI,
    sizeof(dmc_plugin_descriptor),
    "gpu",
    DMC_VERSION,
    "CUDA Poseidon trees (tree_c, tree_r_last)",
    0,
    DMC_GPU_CUDA,
    sizeof(kStages) / sizeof(kStages[0]),
    kStages,
    {nullptr, nullptr, nullptr, nullptr},
};

} // namespace

extern "C" DMC_EXPORT const dmc_plugin_descriptor *dmc_plugin_query(void) { return &kDescriptor; }
