// SPDX-License-Identifier: Apache-2.0
//
// Helpers shared by the sdr tests: vector fields as sdk types, file digests,
// and calling the cpu stages through their ops tables (no dlopen).
#pragma once

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <openssl/sha.h>

#include "cpu_stages.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/hex.hpp"
#include "process.hpp"
#include "vectors.hpp"

namespace dmc::test {

inline Bytes32 bytes32_of(const json &hex)
{
    auto bytes = hex_bytes(hex);
    REQUIRE(bytes.size() == 32);
    Bytes32 out;
    std::memcpy(out.data(), bytes.data(), 32);
    return out;
}

inline std::string hex_of(const uint8_t *data, size_t size) { return to_hex(std::span<const uint8_t>(data, size)); }

// SHA-256 of a whole file with OpenSSL's one-shot API (independent of the
// sdk's streaming helper).
inline std::string sha256_file_hex(const std::string &path)
{
    auto bytes = read_file(path);
    REQUIRE(bytes.ok());
    uint8_t digest[32];
    SHA256(bytes->data(), bytes->size(), digest);
    return hex_of(digest, 32);
}

inline std::string layer_file(const std::string &cache_dir, uint32_t layer)
{
    return cache_dir + "/sc-02-data-layer-" + std::to_string(layer) + ".dat";
}

struct StageResult {
    dmc_status status = DMC_ERR_INTERNAL;
    std::string error;
    std::vector<uint32_t> layers_done;
    std::vector<uint64_t> layer_sizes_at_done; // size of the layer file when layer_done ran (0 = absent)
    uint64_t last_done = 0, last_total = 0;
    uint64_t progress_calls = 0;
};

struct Pc1Request {
    uint64_t proof_id = 0;
    Bytes32 replica_id{};
    std::string parent_cache_path;
    std::string cache_dir;
    uint32_t first_layer = 1;
    uint32_t threads = 1;
    const volatile int32_t *cancel = nullptr;
    // Called from the progress callback (e.g. to raise the cancel flag).
    void (*on_progress)(void *user, uint64_t done, uint64_t total) = nullptr;
    void *on_progress_user = nullptr;
};

inline StageResult run_pc1_stage(const Pc1Request &req)
{
    StageResult result;
    struct Ctx {
        StageResult *result;
        const Pc1Request *req;
    } ctx{&result, &req};
    char error[256] = {0};
    dmc_call call{};
    call.struct_size = sizeof call;
    call.threads = req.threads;
    call.numa_node = -1;
    call.progress = [](void *user, uint64_t done, uint64_t total) {
        auto *c = static_cast<Ctx *>(user);
        c->result->last_done = done;
        c->result->last_total = total;
        c->result->progress_calls++;
        if (c->req->on_progress) c->req->on_progress(c->req->on_progress_user, done, total);
    };
    call.progress_user = &ctx;
    call.cancel = req.cancel;
    call.error = error;
    call.error_size = sizeof error;

    dmc_pc1_sector sector{};
    sector.struct_size = sizeof sector;
    sector.first_layer = req.first_layer;
    std::memcpy(sector.replica_id, req.replica_id.data(), 32);
    sector.cache_dir = req.cache_dir.c_str();

    dmc_pc1_args args{};
    args.struct_size = sizeof args;
    args.num_sectors = 1;
    args.registered_proof = req.proof_id;
    args.parent_cache_path = req.parent_cache_path.c_str();
    args.sectors = &sector;
    args.layer_done = [](void *user, uint32_t sector_index, uint32_t layer) {
        auto *c = static_cast<Ctx *>(user);
        CHECK(sector_index == 0);
        c->result->layers_done.push_back(layer);
        std::error_code ec;
        const auto size = std::filesystem::file_size(layer_file(c->req->cache_dir, layer), ec);
        c->result->layer_sizes_at_done.push_back(ec ? 0 : size);
    };
    args.layer_done_user = &ctx;
    result.status = cpu::kCpuPc1Ops.run(&call, &args);
    result.error = error;
    return result;
}

inline StageResult run_tree_d_stage(uint64_t sector_size, const std::string &staged, const std::string &tree_d,
                                    Bytes32 &comm_d, uint32_t threads = 1)
{
    StageResult result;
    char error[256] = {0};
    dmc_call call{};
    call.struct_size = sizeof call;
    call.threads = threads;
    call.numa_node = -1;
    call.error = error;
    call.error_size = sizeof error;
    dmc_tree_d_args args{};
    args.struct_size = sizeof args;
    args.sector_size = sector_size;
    args.staged_path = staged.c_str();
    args.tree_d_path = tree_d.c_str();
    result.status = cpu::kCpuTreeDOps.run(&call, &args);
    result.error = error;
    std::memcpy(comm_d.data(), args.comm_d, 32);
    return result;
}

} // namespace dmc::test
