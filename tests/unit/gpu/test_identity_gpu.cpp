// SPDX-License-Identifier: Apache-2.0
//
// The gpu plugin's stages through the plugin registry against the cpu
// reference plugin: tree_c and tree_r_last (CC, deal, BUILD_ONLY) on 2KiB and
// 8MiB sectors, files and commitments byte for byte. Every device test WARNs
// and returns when the plugin is not built or the machine has no CUDA
// device. Without a device, the last test checks what can be checked here:
// the loader skips the plugin for that reason, and its stages, called
// directly, refuse with DMC_ERR_DEVICE and write nothing.
//
// Compiles whether or not the plugin is built (DMC_TEST_GPU_PLUGIN_BUILT).
#include <catch2/catch.hpp>

#include <dlfcn.h>

#include <filesystem>

#include "../avx512/plugin_runner.hpp"
#include "damocles/core/internal/gpu_probe.hpp"
#include "damocles/sdk/tree_files.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

namespace fs = std::filesystem;

const core::PluginInfo *gpu_plugin_info()
{
    for (const auto &p : plugin_registry().plugins())
        if (p.name == "gpu") return &p;
    return nullptr;
}

// False (with a WARN naming why) when the gpu stages cannot run here.
bool gpu_stage_available(dmc_stage_kind kind)
{
    auto skip = [](const std::string &reason) {
        mark_skipped(reason);
        WARN("SKIPPED: " << reason);
        return false;
    };
    if (!DMC_TEST_GPU_PLUGIN_BUILT) return skip("the gpu plugin is not built (nvcc not found or -Dgpu=disabled)");
    if (core::probe_gpus().cuda_devices <= 0) return skip("no CUDA device (" + core::probe_gpus().reason + ")");
    bool found = false;
    for (auto &h : plugin_registry().all(kind)) found = found || h.plugin_name() == "gpu";
    const auto *info = gpu_plugin_info();
    INFO("stage " << core::stage_kind_name(kind) << "; gpu plugin: " << (info ? info->skip_reason : "not found"));
    REQUIRE(found);
    return true;
}

core::StageHandle gpu_stage(dmc_stage_kind kind)
{
    for (auto &h : plugin_registry().all(kind))
        if (h.plugin_name() == "gpu") return h;
    FAIL("no gpu stage");
    return {};
}

void write_bytes(const std::string &path, const std::vector<uint8_t> &bytes)
{
    REQUIRE(write_file_atomic(path, std::span<const uint8_t>(bytes)).ok());
}

void write_random_layers(const SealProof &proof, const std::string &dir, uint32_t seed)
{
    fs::create_directories(dir);
    for (uint32_t l = 1; l <= proof.layers; ++l)
        write_bytes(layer_file(dir, l), test_staged_data(proof.nodes(), seed + l));
}

CallResult run_tree_c(const dmc_tree_c_ops *ops, const SealProof &proof, const std::string &dir, Bytes32 &comm_c,
                      bool cancelled = false)
{
    dmc_tree_c_args args{};
    args.struct_size = sizeof args;
    args.registered_proof = proof.id;
    args.cache_dir = dir.c_str();
    TestCall call(2);
    if (cancelled) call.cancel_ = 1;
    const dmc_status status = ops->run(call.get(), &args);
    std::memcpy(comm_c.data(), args.comm_c, 32);
    return call.result(status);
}

CallResult run_tree_r_last(const dmc_tree_r_last_ops *ops, const SealProof &proof, const std::string &layer,
                           const std::string &staged, const std::string &replica, const std::string &tree_dir,
                           uint32_t flags, Bytes32 &comm_r_last)
{
    auto layout = sector_tree_layout(proof.sector_size);
    REQUIRE(layout.ok());
    dmc_tree_r_last_args args{};
    args.struct_size = sizeof args;
    args.flags = flags;
    args.registered_proof = proof.id;
    args.rows_to_discard = layout->rows_to_discard;
    args.layer_path = layer.c_str();
    args.staged_path = staged.empty() ? nullptr : staged.c_str();
    args.replica_path = replica.c_str();
    args.tree_dir = tree_dir.c_str();
    TestCall call(2);
    const dmc_status status = ops->run(call.get(), &args);
    std::memcpy(comm_r_last.data(), args.comm_r_last, 32);
    return call.result(status);
}

const char *const kSectors[] = {"StackedDrg2KiBV1_1", "StackedDrg8MiBV1_1"};

} // namespace

TEST_CASE("gpu identity: tree_c equals the cpu plugin (2KiB, 8MiB)", "[gpu][device]")
{
    if (!gpu_stage_available(DMC_STAGE_TREE_C)) return;
    for (const char *name : kSectors) {
        INFO(name);
        const SealProof &proof = proof_named(name);
        auto layout = sector_tree_layout(proof.sector_size);
        REQUIRE(layout.ok());
        TempDir root("gpu-tree-c");
        write_random_layers(proof, root / "cpu", 11);
        write_random_layers(proof, root / "gpu", 11);
        Bytes32 expected{}, got{};
        auto cpu = run_tree_c(cpu_stage(DMC_STAGE_TREE_C).ops<dmc_tree_c_ops>(), proof, root / "cpu", expected);
        REQUIRE(cpu.status == DMC_OK);
        auto gpu = run_tree_c(gpu_stage(DMC_STAGE_TREE_C).ops<dmc_tree_c_ops>(), proof, root / "gpu", got);
        INFO(gpu.error);
        REQUIRE(gpu.status == DMC_OK);
        CHECK(to_hex(got) == to_hex(expected));
        for (const auto &file : layout->tree_c_files) require_same_file(root / "cpu/" + file, root / "gpu/" + file);
        CHECK(gpu.last_done == gpu.last_total);
    }
}

TEST_CASE("gpu identity: tree_r_last equals the cpu plugin (CC, deal, BUILD_ONLY)", "[gpu][device]")
{
    if (!gpu_stage_available(DMC_STAGE_TREE_R_LAST)) return;
    for (const char *name : kSectors) {
        const SealProof &proof = proof_named(name);
        auto layout = sector_tree_layout(proof.sector_size);
        REQUIRE(layout.ok());
        TempDir root("gpu-tree-r");
        write_bytes(root / "layer", test_staged_data(proof.nodes(), 21));
        write_bytes(root / "staged", test_staged_data(proof.nodes() * 3 / 4, 22));
        for (const std::string &staged : {std::string(), root / "staged"}) {
            INFO(name << (staged.empty() ? " CC" : " deal"));
            fs::remove_all(root / "cpu");
            fs::remove_all(root / "gpu");
            fs::create_directories(root / "cpu");
            fs::create_directories(root / "gpu/rebuilt");
            Bytes32 expected{}, got{}, rebuilt{};
            auto cpu = run_tree_r_last(cpu_stage(DMC_STAGE_TREE_R_LAST).ops<dmc_tree_r_last_ops>(), proof,
                                       root / "layer", staged, root / "cpu/replica", root / "cpu", 0, expected);
            REQUIRE(cpu.status == DMC_OK);
            const auto *ops = gpu_stage(DMC_STAGE_TREE_R_LAST).ops<dmc_tree_r_last_ops>();
            auto gpu = run_tree_r_last(ops, proof, root / "layer", staged, root / "gpu/replica", root / "gpu", 0, got);
            INFO(gpu.error);
            REQUIRE(gpu.status == DMC_OK);
            CHECK(to_hex(got) == to_hex(expected));
            CHECK(gpu.last_done == gpu.last_total);
            require_same_file(root / "cpu/replica", root / "gpu/replica");
            for (const auto &file : layout->tree_r_last_files)
                require_same_file(root / "cpu/" + file, root / "gpu/" + file);
            auto again = run_tree_r_last(ops, proof, "", "", root / "gpu/replica", root / "gpu/rebuilt",
                                         DMC_TREE_R_BUILD_ONLY, rebuilt);
            INFO(again.error);
            REQUIRE(again.status == DMC_OK);
            CHECK(to_hex(rebuilt) == to_hex(expected));
            for (const auto &file : layout->tree_r_last_files)
                require_same_file(root / "cpu/" + file, root / "gpu/rebuilt/" + file);
        }
    }
}

TEST_CASE("gpu identity: bad labels and cancel fail like the cpu plugin, without a tree file", "[gpu][device]")
{
    if (!gpu_stage_available(DMC_STAGE_TREE_C)) return;
    const SealProof &proof = proof_named("StackedDrg2KiBV1_1");
    const auto *ops = gpu_stage(DMC_STAGE_TREE_C).ops<dmc_tree_c_ops>();
    TempDir dir("gpu-tree-c-bad");
    write_random_layers(proof, dir.path(), 5);
    Bytes32 comm{};
    CHECK(run_tree_c(ops, proof, dir.path(), comm, true).status == DMC_ERR_CANCELLED);
    CHECK_FALSE(fs::exists(dir / "sc-02-data-tree-c.dat"));
    auto layer = file_bytes(layer_file(dir.path(), 2));
    std::fill(layer.begin() + 32 * 9, layer.begin() + 32 * 10, 0xff);
    write_bytes(layer_file(dir.path(), 2), layer);
    auto bad = run_tree_c(ops, proof, dir.path(), comm);
    CHECK(bad.status == run_tree_c(cpu_stage(DMC_STAGE_TREE_C).ops<dmc_tree_c_ops>(), proof, dir.path(), comm).status);
    CHECK(bad.error.find("layer 2 at index 9") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "sc-02-data-tree-c.dat"));
}

TEST_CASE("gpu plugin without a CUDA device: skipped by the loader, stages refuse cleanly", "[gpu]")
{
    if (!DMC_TEST_GPU_PLUGIN_BUILT) DMC_SKIP("the gpu plugin is not built (nvcc not found or -Dgpu=disabled)");
    if (core::probe_gpus().cuda_devices > 0)
        DMC_SKIP("this machine has a CUDA device (the device tests cover the plugin)");
    const auto *info = gpu_plugin_info();
    REQUIRE(info);
    CHECK_FALSE(info->usable);
    CHECK(info->skip_reason.find("CUDA") != std::string::npos);
    CHECK(info->gpu_need == DMC_GPU_CUDA);
    REQUIRE(info->stages.size() == 2);
    for (const auto &s : info->stages) {
        CHECK((s.kind == DMC_STAGE_TREE_C || s.kind == DMC_STAGE_TREE_R_LAST));
        CHECK(s.priority < 0); // opt-in until validated on a GPU: below the cpu reference (0)
    }

    // The loader never runs the stages here; call them through dlopen to
    // check the error path that a vanished device would take.
    void *lib = dlopen(info->path.c_str(), RTLD_NOW | RTLD_LOCAL);
    INFO(info->path << ": " << (lib ? "" : dlerror()));
    REQUIRE(lib);
    auto query = reinterpret_cast<const dmc_plugin_descriptor *(*)()>(dlsym(lib, "dmc_plugin_query"));
    REQUIRE(query);
    const dmc_plugin_descriptor *desc = query();
    const SealProof &proof = proof_named("StackedDrg2KiBV1_1");
    TempDir dir("gpu-no-device");
    write_random_layers(proof, dir.path(), 3);
    for (uint32_t i = 0; i < desc->num_stages; ++i) {
        const dmc_stage_desc &stage = desc->stages[i];
        Bytes32 out{};
        CallResult result;
        if (stage.kind == DMC_STAGE_TREE_C) {
            result = run_tree_c(static_cast<const dmc_tree_c_ops *>(stage.ops), proof, dir.path(), out);
            CHECK(result.error.rfind("tree_c: no usable CUDA device (", 0) == 0);
        } else {
            result = run_tree_r_last(static_cast<const dmc_tree_r_last_ops *>(stage.ops), proof,
                                     layer_file(dir.path(), 2), "", dir / "replica", dir.path(), 0, out);
            CHECK(result.error.rfind("tree_r_last: no usable CUDA device (", 0) == 0);
        }
        INFO(result.error);
        CHECK(result.status == DMC_ERR_DEVICE);
    }
    CHECK_FALSE(fs::exists(dir / "sc-02-data-tree-c.dat"));
    CHECK_FALSE(fs::exists(dir / "sc-02-data-tree-r-last.dat"));
    CHECK_FALSE(fs::exists(dir / "replica"));
    dlclose(lib);
}
