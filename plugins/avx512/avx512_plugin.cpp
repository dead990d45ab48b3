// SPDX-License-Identifier: Apache-2.0
//
// Descriptor of the avx512 plugin (SHA-NI multi-buffer PC1, IFMA/ADX Fr).
// Compiled for baseline x86-64: the host reads it before checking that the
// CPU has the features listed here. Stages appear only when implemented.
#include "damocles/plugin.h"
#include "damocles/version.h"

namespace {

constexpr uint64_t kRequired = DMC_CPU_SHA_NI | DMC_CPU_AVX2 | DMC_CPU_AVX512F | DMC_CPU_AVX512BW |
                               DMC_CPU_AVX512VL | DMC_CPU_AVX512DQ | DMC_CPU_AVX512CD | DMC_CPU_AVX512IFMA |
                               DMC_CPU_ADX | DMC_CPU_BMI2;

const dmc_plugin_descriptor kDescriptor = {
    DMC_PLUGIN_ABI,
    sizeof(dmc_plugin_descriptor),
    "avx512",
    DMC_VERSION,
    "SHA-NI multi-buffer SDR, AVX-512 IFMA / ADX Fr and Poseidon",
    kRequired,
    DMC_GPU_NONE,
    0,
    nullptr,
    {nullptr, nullptr, nullptr, nullptr},
};

} // namespace

extern "C" DMC_EXPORT const dmc_plugin_descriptor *dmc_plugin_query(void) { return &kDescriptor; }
