// SPDX-License-Identifier: Apache-2.0
//
// ABI guard (GStreamer gstabi.c style): the size and offset of every field of
// every public struct in damocles/plugin.h, pinned for x86-64. A failure here
// means the plugin ABI changed: bump DMC_PLUGIN_ABI_MAJOR (incompatible) or
// only append fields and bump the minor, then update the table. The same
// header compiled as C (abi_c_sizes.c) must agree with C++.
#include <catch2/catch.hpp>

#include <cstddef>

#include "damocles/plugin.h"
#include "damocles/version.h"

extern "C" size_t dmc_test_c_sizeof(int which);

TEST_CASE("plugin ABI: struct sizes and offsets are pinned", "[abi]")
{
    CHECK(sizeof(dmc_call) == 56);
    CHECK(offsetof(dmc_call, threads) == 4);
    CHECK(offsetof(dmc_call, numa_node) == 8);
    CHECK(offsetof(dmc_call, progress) == 16);
    CHECK(offsetof(dmc_call, progress_user) == 24);
    CHECK(offsetof(dmc_call, cancel) == 32);
    CHECK(offsetof(dmc_call, error) == 40);
    CHECK(offsetof(dmc_call, error_size) == 48);
    CHECK(sizeof(dmc_tree_d_args) == 64);
    CHECK(offsetof(dmc_tree_d_args, sector_size) == 8);
    CHECK(offsetof(dmc_tree_d_args, staged_path) == 16);
    CHECK(offsetof(dmc_tree_d_args, tree_d_path) == 24);
    CHECK(offsetof(dmc_tree_d_args, comm_d) == 32);
    CHECK(sizeof(dmc_tree_d_ops) == 16);
    CHECK(offsetof(dmc_tree_d_ops, run) == 8);
    CHECK(sizeof(dmc_pc1_sector) == 48);
    CHECK(offsetof(dmc_pc1_sector, first_layer) == 4);
    CHECK(offsetof(dmc_pc1_sector, replica_id) == 8);
    CHECK(offsetof(dmc_pc1_sector, cache_dir) == 40);
    CHECK(sizeof(dmc_pc1_args) == 48);
    CHECK(offsetof(dmc_pc1_args, num_sectors) == 4);
    CHECK(offsetof(dmc_pc1_args, registered_proof) == 8);
    CHECK(offsetof(dmc_pc1_args, parent_cache_path) == 16);
    CHECK(offsetof(dmc_pc1_args, sectors) == 24);
    CHECK(offsetof(dmc_pc1_args, layer_done) == 32);
    CHECK(offsetof(dmc_pc1_args, layer_done_user) == 40);
    CHECK(sizeof(dmc_pc1_ops) == 24);
    CHECK(offsetof(dmc_pc1_ops, run) == 8);
    CHECK(offsetof(dmc_pc1_ops, sectors_per_thread) == 16); // 1.2
    CHECK(offsetof(dmc_pc1_ops, memory_permille) == 20);    // 1.2
    CHECK(sizeof(dmc_tree_c_args) == 56);
    CHECK(offsetof(dmc_tree_c_args, registered_proof) == 8);
    CHECK(offsetof(dmc_tree_c_args, cache_dir) == 16);
    CHECK(offsetof(dmc_tree_c_args, comm_c) == 24);
    CHECK(sizeof(dmc_tree_c_ops) == 16);
    CHECK(offsetof(dmc_tree_c_ops, run) == 8);
    CHECK(sizeof(dmc_tree_r_last_args) == 88);
    CHECK(offsetof(dmc_tree_r_last_args, flags) == 4);
    CHECK(offsetof(dmc_tree_r_last_args, registered_proof) == 8);
    CHECK(offsetof(dmc_tree_r_last_args, rows_to_discard) == 16);
    CHECK(offsetof(dmc_tree_r_last_args, layer_path) == 24);
    CHECK(offsetof(dmc_tree_r_last_args, staged_path) == 32);
    CHECK(offsetof(dmc_tree_r_last_args, replica_path) == 40);
    CHECK(offsetof(dmc_tree_r_last_args, tree_dir) == 48);
    CHECK(offsetof(dmc_tree_r_last_args, comm_r_last) == 56);
    CHECK(sizeof(dmc_tree_r_last_ops) == 16);
    CHECK(offsetof(dmc_tree_r_last_ops, run) == 8);
    CHECK(sizeof(dmc_porep_vanilla_args) == 88);
    CHECK(offsetof(dmc_porep_vanilla_args, num_challenges) == 4);
    CHECK(offsetof(dmc_porep_vanilla_args, registered_proof) == 8);
    CHECK(offsetof(dmc_porep_vanilla_args, replica_id) == 16);
    CHECK(offsetof(dmc_porep_vanilla_args, challenges) == 48);
    CHECK(offsetof(dmc_porep_vanilla_args, parent_cache_path) == 56);
    CHECK(offsetof(dmc_porep_vanilla_args, cache_dir) == 64);
    CHECK(offsetof(dmc_porep_vanilla_args, replica_path) == 72);
    CHECK(offsetof(dmc_porep_vanilla_args, proofs_path) == 80);
    CHECK(sizeof(dmc_porep_vanilla_ops) == 16);
    CHECK(offsetof(dmc_porep_vanilla_ops, run) == 8);
    CHECK(sizeof(dmc_snap_encode_args) == 144);
    CHECK(offsetof(dmc_snap_encode_args, rows_to_discard) == 4);
    CHECK(offsetof(dmc_snap_encode_args, registered_proof) == 8);
    CHECK(offsetof(dmc_snap_encode_args, comm_d_new) == 16);
    CHECK(offsetof(dmc_snap_encode_args, comm_r_old) == 48);
    CHECK(offsetof(dmc_snap_encode_args, sector_key_path) == 80);
    CHECK(offsetof(dmc_snap_encode_args, staged_path) == 88);
    CHECK(offsetof(dmc_snap_encode_args, new_replica_path) == 96);
    CHECK(offsetof(dmc_snap_encode_args, new_cache_dir) == 104);
    CHECK(offsetof(dmc_snap_encode_args, comm_r_last_new) == 112);
    CHECK(sizeof(dmc_snap_encode_ops) == 16);
    CHECK(offsetof(dmc_snap_encode_ops, run) == 8);
    CHECK(sizeof(dmc_snap_vanilla_args) == 184);
    CHECK(offsetof(dmc_snap_vanilla_args, rows_to_discard) == 4);
    CHECK(offsetof(dmc_snap_vanilla_args, registered_proof) == 8);
    CHECK(offsetof(dmc_snap_vanilla_args, comm_c) == 16);
    CHECK(offsetof(dmc_snap_vanilla_args, comm_r_last_old) == 48);
    CHECK(offsetof(dmc_snap_vanilla_args, comm_r_last_new) == 80);
    CHECK(offsetof(dmc_snap_vanilla_args, comm_d_new) == 112);
    CHECK(offsetof(dmc_snap_vanilla_args, sector_key_path) == 144);
    CHECK(offsetof(dmc_snap_vanilla_args, old_cache_dir) == 152);
    CHECK(offsetof(dmc_snap_vanilla_args, new_replica_path) == 160);
    CHECK(offsetof(dmc_snap_vanilla_args, new_cache_dir) == 168);
    CHECK(offsetof(dmc_snap_vanilla_args, proofs_path) == 176);
    CHECK(sizeof(dmc_snap_vanilla_ops) == 16);
    CHECK(offsetof(dmc_snap_vanilla_ops, run) == 8);
    CHECK(sizeof(dmc_kernel_bench_args) == 72);
    CHECK(offsetof(dmc_kernel_bench_args, text_size) == 4);
    CHECK(offsetof(dmc_kernel_bench_args, kernel) == 8);
    CHECK(offsetof(dmc_kernel_bench_args, work) == 16);
    CHECK(offsetof(dmc_kernel_bench_args, params) == 24);
    CHECK(offsetof(dmc_kernel_bench_args, ns_per_op) == 56);
    CHECK(offsetof(dmc_kernel_bench_args, text) == 64);
    CHECK(sizeof(dmc_kernel_bench_ops) == 24);
    CHECK(offsetof(dmc_kernel_bench_ops, run) == 8);
    CHECK(offsetof(dmc_kernel_bench_ops, kernels) == 16);
    CHECK(sizeof(dmc_stage_desc) == 32);
    CHECK(offsetof(dmc_stage_desc, kind) == 4);
    CHECK(offsetof(dmc_stage_desc, interface_version) == 8);
    CHECK(offsetof(dmc_stage_desc, priority) == 12);
    CHECK(offsetof(dmc_stage_desc, flags) == 16);
    CHECK(offsetof(dmc_stage_desc, max_sectors) == 20);
    CHECK(offsetof(dmc_stage_desc, ops) == 24);
    CHECK(sizeof(dmc_plugin_descriptor) == 88);
    CHECK(offsetof(dmc_plugin_descriptor, struct_size) == 4);
    CHECK(offsetof(dmc_plugin_descriptor, name) == 8);
    CHECK(offsetof(dmc_plugin_descriptor, version) == 16);
    CHECK(offsetof(dmc_plugin_descriptor, description) == 24);
    CHECK(offsetof(dmc_plugin_descriptor, required_cpu_features) == 32);
    CHECK(offsetof(dmc_plugin_descriptor, gpu_need) == 40);
    CHECK(offsetof(dmc_plugin_descriptor, num_stages) == 44);
    CHECK(offsetof(dmc_plugin_descriptor, stages) == 48);
    CHECK(offsetof(dmc_plugin_descriptor, reserved) == 56);
}

TEST_CASE("plugin ABI: C and C++ agree on struct sizes", "[abi]")
{
    CHECK(dmc_test_c_sizeof(0) == sizeof(dmc_plugin_descriptor));
    CHECK(dmc_test_c_sizeof(1) == sizeof(dmc_stage_desc));
    CHECK(dmc_test_c_sizeof(2) == sizeof(dmc_call));
    CHECK(dmc_test_c_sizeof(3) == sizeof(dmc_pc1_args));
    CHECK(dmc_test_c_sizeof(4) == sizeof(dmc_tree_r_last_args));
    CHECK(dmc_test_c_sizeof(5) == sizeof(dmc_snap_vanilla_args));
    CHECK(dmc_test_c_sizeof(6) == sizeof(dmc_kernel_bench_args));
    CHECK(dmc_test_c_sizeof(7) == sizeof(dmc_kernel_bench_ops));
}

TEST_CASE("plugin ABI: version macros", "[abi]")
{
    STATIC_REQUIRE(DMC_PLUGIN_ABI_MAJOR_OF(DMC_PLUGIN_ABI) == DMC_PLUGIN_ABI_MAJOR);
    STATIC_REQUIRE((DMC_PLUGIN_ABI & 0xffff) == DMC_PLUGIN_ABI_MINOR);
    // 1.1 appended the kernel_bench stage kind, 1.2 the pc1 batch hints
    // (backward compatible: minor).
    STATIC_REQUIRE(DMC_PLUGIN_ABI_MAJOR == 1);
    STATIC_REQUIRE(DMC_PLUGIN_ABI_MINOR == 2);
    // meson.build's version (--version, damocles-sdk.pc) is the header's.
    STATIC_REQUIRE(DMC_SDK_PLUGIN_ABI_MAJOR == DMC_PLUGIN_ABI_MAJOR);
    STATIC_REQUIRE(DMC_SDK_PLUGIN_ABI_MINOR == DMC_PLUGIN_ABI_MINOR);
    STATIC_REQUIRE(DMC_STAGE_KERNEL_BENCH == 8);
    STATIC_REQUIRE(DMC_STAGE_KIND_MAX == DMC_STAGE_KERNEL_BENCH);
    STATIC_REQUIRE(DMC_KERNEL_BENCH_IFACE == 1);
}
