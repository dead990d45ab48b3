// SPDX-License-Identifier: Apache-2.0
//
// Descriptor of the avx512 plugin (SHA-NI / AVX-512 batch PC1, IFMA/ADX Fr).
// Compiled for baseline x86-64: the host reads it before checking that the
// CPU has the features listed here, so this file only holds static data and
// never calls into the kernel library. Stages appear only when implemented
// and byte-identical to the cpu plugin (tests/unit/avx512).
#include "avx512_stages.hpp"
#include "damocles/plugin.h"
#include "damocles/version.h"

namespace {

using namespace dmc::avx512;

constexpr uint64_t kRequired = DMC_CPU_SHA_NI | DMC_CPU_AVX2 | DMC_CPU_AVX512F | DMC_CPU_AVX512BW | DMC_CPU_AVX512VL |
                               DMC_CPU_AVX512DQ | DMC_CPU_AVX512CD | DMC_CPU_AVX512IFMA | DMC_CPU_ADX | DMC_CPU_BMI2;

// Priority 10: preferred over the cpu reference (0) when the CPU has the
// features; a GPU plugin may rank higher for the PC2 stages.
constexpr int32_t kPriority = 10;

const dmc_stage_desc kStages[] = {
    {sizeof(dmc_stage_desc), DMC_STAGE_PC1, DMC_PC1_IFACE, kPriority, DMC_STAGE_FLAG_MULTI_SECTOR, kMaxPc1Sectors,
     &kAvx512Pc1Ops},
    {sizeof(dmc_stage_desc), DMC_STAGE_TREE_C, DMC_TREE_C_IFACE, kPriority, 0, 1, &kAvx512TreeCOps},
    {sizeof(dmc_stage_desc), DMC_STAGE_TREE_R_LAST, DMC_TREE_R_LAST_IFACE, kPriority, 0, 1, &kAvx512TreeRLastOps},
    {sizeof(dmc_stage_desc), DMC_STAGE_KERNEL_BENCH, DMC_KERNEL_BENCH_IFACE, kPriority, 0, 1, &kAvx512KernelBenchOps},
};

const dmc_plugin_descriptor kDescriptor = {
    DMC_PLUGIN_ABI,
    sizeof(dmc_plugin_descriptor),
    "avx512",
    DMC_VERSION,
    "SHA-NI and 16-lane AVX-512 batch SDR, AVX-512 IFMA / ADX Fr and Poseidon",
    kRequired,
    DMC_GPU_NONE,
    sizeof(kStages) / sizeof(kStages[0]),
    kStages,
    {nullptr, nullptr, nullptr, nullptr},
};

} // namespace

extern "C" DMC_EXPORT const dmc_plugin_descriptor *dmc_plugin_query(void) { return &kDescriptor; }
