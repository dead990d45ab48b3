// SPDX-License-Identifier: Apache-2.0
//
// Stage function tables of the gpu plugin (listed by gpu_plugin.cpp) and the
// wrapper every entry point runs its body in. The wrapper is the sdk's
// plugin::run_stage with two differences that only a device plugin needs:
// it first checks that a CUDA device exists (the loader already skips the
// plugin without one, but a device can vanish, or a test can call the table
// directly), and it reports Errc::device as DMC_ERR_DEVICE, which the sdk's
// mapping folds into DMC_ERR_INTERNAL.
#pragma once

#include <memory>
#include <string>

#include "damocles/plugin.h"
#include "damocles/sdk/stage_support.hpp"
#include "tree_stream.hpp"

namespace dmc::gpu {

// tree_c: column hashes + arity-8 Poseidon trees on the GPU (stage_tree_c.cpp).
extern const dmc_tree_c_ops kGpuTreeCOps;
// tree_r_last: encoding + level-cache Poseidon trees on the GPU (stage_tree_r_last.cpp).
extern const dmc_tree_r_last_ops kGpuTreeRLastOps;

// Errc::device with a message naming the problem and the way out, when no
// CUDA device can be used (gpu_engine.cpp).
Status require_cuda_device(const std::string &stage);

// A CUDA engine sized for `layout`'s base trees, first_row and `inputs` input
// slots, with the Poseidon constants of poseidon_tables.hpp uploaded.
Result<std::unique_ptr<TreeEngine>> open_engine(const SectorTreeLayout &layout, unsigned first_row, unsigned inputs);

template <class Body> dmc_status run_gpu_stage(const dmc_call *call, const char *stage, Body &&body) noexcept
{
    dmc_status device_status = DMC_OK;
    const dmc_status status = plugin::run_stage(call, stage, [&]() -> Status {
        Status st = require_cuda_device(stage);
        if (st.ok()) st = body();
        if (!st.ok() && st.error().code == Errc::device) device_status = DMC_ERR_DEVICE;
        return st;
    });
    return status == DMC_OK ? DMC_OK : (device_status != DMC_OK ? device_status : status);
}

} // namespace dmc::gpu
