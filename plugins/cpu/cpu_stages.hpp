// SPDX-License-Identifier: Apache-2.0
//
// Stage function tables of the cpu reference plugin. cpu_plugin.cpp lists
// them in its descriptor; tests may call them directly (without dlopen).
#pragma once

#include "damocles/plugin.h"

namespace dmc::cpu {

// tree_d: binary SHA-254 tree over the staged sector (stage_tree_d.cpp).
extern const dmc_tree_d_ops kCpuTreeDOps;
// pc1: SDR layer labels (stage_pc1.cpp). Advertise with max_sectors = 1.
extern const dmc_pc1_ops kCpuPc1Ops;
// tree_c: column hashes + arity-8 Poseidon trees (stage_tree_c.cpp).
extern const dmc_tree_c_ops kCpuTreeCOps;
// tree_r_last: encoding + level-cache Poseidon trees (stage_tree_r_last.cpp).
extern const dmc_tree_r_last_ops kCpuTreeRLastOps;
// porep_vanilla: vanilla PoRep proofs for CheckSealed (stage_porep_vanilla.cpp).
extern const dmc_porep_vanilla_ops kCpuPorepVanillaOps;
// snap_encode: SnapDeals encoding + tree_r_last of the new replica (stage_snap_encode.cpp).
extern const dmc_snap_encode_ops kCpuSnapEncodeOps;
// snap_vanilla: SnapDeals vanilla partition proofs (stage_snap_vanilla.cpp).
extern const dmc_snap_vanilla_ops kCpuSnapVanillaOps;
// kernel_bench: the Fr arithmetic timed for `damocles-run bench` (stage_kernel_bench.cpp).
extern const dmc_kernel_bench_ops kCpuKernelBenchOps;

} // namespace dmc::cpu
