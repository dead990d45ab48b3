// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

namespace dmc::core {

struct GpuProbe {
    int cuda_devices = 0; // 0 when no driver or no device
    std::string reason;   // why there is none ("libcuda.so.1 not found", ...)
};

// Looks for CUDA devices through the driver library (dlopen libcuda.so.1,
// cuInit, cuDeviceGetCount) without linking to CUDA. Cached per process.
// DAMOCLES_GPU_DISABLE=1 reports none (tests of the skip path).
const GpuProbe &probe_gpus();

} // namespace dmc::core
