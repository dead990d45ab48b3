// SPDX-License-Identifier: Apache-2.0
//
// Stage function tables of the avx512 plugin, defined in the kernel library
// (compiled for SHA-NI / AVX-512). avx512_plugin.cpp lists them in its
// descriptor; the host calls them only after checking the CPU features.
#pragma once

#include "damocles/plugin.h"

namespace dmc::avx512 {

// Sectors one pc1 call takes (the fused PC1 vertex): the lanes of one
// 16-lane AVX-512 register (stage_pc1.cpp, pc1_batch.hpp).
inline constexpr uint32_t kMaxPc1Sectors = 16;

// pc1: SDR labels, 1..16 sectors of one proof type per call (stage_pc1.cpp).
extern const dmc_pc1_ops kAvx512Pc1Ops;
// tree_c: IFMA column hashes + arity-8 Poseidon trees (stage_tree_c.cpp).
extern const dmc_tree_c_ops kAvx512TreeCOps;
// tree_r_last: encoding + IFMA level-cache Poseidon trees (stage_tree_r_last.cpp).
extern const dmc_tree_r_last_ops kAvx512TreeRLastOps;
// kernel_bench: the kernels timed for `damocles-run bench` (stage_kernel_bench.cpp).
extern const dmc_kernel_bench_ops kAvx512KernelBenchOps;

} // namespace dmc::avx512
