// SPDX-License-Identifier: Apache-2.0
#include "damocles/core/internal/gpu_probe.hpp"

#include <cstdlib>
#include <dlfcn.h>

namespace dmc::core {

namespace {

GpuProbe do_probe()
{
    GpuProbe p;
    if (const char *off = std::getenv("DAMOCLES_GPU_DISABLE"); off && *off && *off != '0') {
        p.reason = "GPU use disabled by DAMOCLES_GPU_DISABLE";
        return p;
    }
    void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        p.reason = "no CUDA driver (libcuda.so.1 not found)";
        return p;
    }
    using init_fn = int (*)(unsigned);
    using count_fn = int (*)(int *);
    auto cu_init = reinterpret_cast<init_fn>(dlsym(lib, "cuInit"));
    auto cu_count = reinterpret_cast<count_fn>(dlsym(lib, "cuDeviceGetCount"));
    if (!cu_init || !cu_count) {
        p.reason = "CUDA driver library lacks cuInit/cuDeviceGetCount";
        return p;
    }
    int rc = cu_init(0);
    if (rc != 0) {
        p.reason = "CUDA driver present but cuInit failed (error " + std::to_string(rc) + "): no usable GPU";
        return p;
    }
    int n = 0;
    if (cu_count(&n) != 0 || n <= 0) {
        p.reason = "no CUDA device found";
        return p;
    }
    p.cuda_devices = n;
    // The library stays loaded: CUDA plugins will use the same driver.
    return p;
}

} // namespace

const GpuProbe &probe_gpus()
{
    static const GpuProbe probe = do_probe();
    return probe;
}

} // namespace dmc::core
