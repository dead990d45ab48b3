// SPDX-License-Identifier: Apache-2.0
//
// Cross-plugin identity of the pc1 stage: every usable pc1 implementation
// (the avx512 plugin's SHA-NI kernel, a GPU plugin's when present) writes
// the same layer files as the cpu reference plugin, for 2KiB (V1 and V1_1
// graphs) and 8MiB, one sector per call and several (the fused vertex, 1 and
// 2 threads), from scratch and resumed at layer 2. The cpu layers are
// checked against the upstream vector first, so the reference is pinned.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include <openssl/sha.h>

#include "pc1_runner.hpp"
#include "vectors.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

std::string sha256_hex(const std::string &path)
{
    const auto bytes = file_bytes(path);
    uint8_t digest[32];
    SHA256(bytes.data(), bytes.size(), digest);
    return to_hex(std::span<const uint8_t>(digest, 32));
}

} // namespace

TEST_CASE("pc1 identity: the cpu reference reproduces the upstream 8MiB layer digest", "[avx512][pc1]")
{
    const auto &v = use_vector("sdr", "pc1_cc_StackedDrg8MiBV1_1");
    const SealProof &proof = proof_named("StackedDrg8MiBV1_1");
    Bytes32 replica_id;
    const auto id = hex_bytes(v.at("expected").at("replica_id_hex"));
    REQUIRE(id.size() == 32);
    std::memcpy(replica_id.data(), id.data(), 32);
    const std::string dir = cpu_layers(proof, replica_id);
    CHECK(sha256_hex(layer_file(dir, 1)) == v.at("expected").at("layer1").at("file_sha256").get<std::string>());
}

TEST_CASE("pc1 identity: one sector per call, every plugin equals cpu", "[avx512][pc1]")
{
    if (!avx512_stage_available(DMC_STAGE_PC1)) return;
    for (const char *name : {"StackedDrg2KiBV1", "StackedDrg2KiBV1_1", "StackedDrg8MiBV1_1"}) {
        const SealProof &proof = proof_named(name);
        for (const auto &stage : other_stages(DMC_STAGE_PC1)) {
            for (uint32_t threads : {1u, 2u}) {
                INFO(name << " plugin " << stage.plugin_name() << " threads " << threads);
                TempDir dir("avx512-pc1-one");
                const Bytes32 id = test_replica_id(7);
                auto run = run_pc1(stage, proof, {{id, dir.path(), 1}}, threads);
                INFO(run.result.error);
                REQUIRE(run.result.status == DMC_OK);
                require_same_layers(proof, id, dir.path());
                // layer_done once per layer, in order, after the file is complete.
                REQUIRE(run.done.size() == proof.layers);
                for (uint32_t l = 0; l < proof.layers; ++l) {
                    CHECK(run.done[l].layer == l + 1);
                    CHECK(run.done[l].sector == 0);
                    CHECK(run.done[l].file_size == proof.nodes() * 32);
                }
                CHECK(run.result.last_done == run.result.last_total);
                CHECK(run.result.last_total == proof.nodes() * proof.layers);
            }
        }
    }
}

TEST_CASE("pc1 identity: several sectors per call (fused vertex), every plugin equals cpu", "[avx512][pc1]")
{
    if (!avx512_stage_available(DMC_STAGE_PC1)) return;
    for (const char *name : {"StackedDrg2KiBV1_1", "StackedDrg8MiBV1_1"}) {
        const SealProof &proof = proof_named(name);
        for (const auto &stage : other_stages(DMC_STAGE_PC1)) {
            const uint32_t max_sectors = stage.max_sectors();
            if (max_sectors < 2) continue;
            for (uint32_t count = 2; count <= max_sectors; ++count) {
                for (uint32_t threads : {1u, 2u}) {
                    INFO(name << " plugin " << stage.plugin_name() << " sectors " << count << " threads " << threads);
                    TempDir root("avx512-pc1-multi");
                    std::vector<Pc1Sector> sectors;
                    for (uint32_t i = 0; i < count; ++i)
                        sectors.push_back({test_replica_id(100 + i), root.path() + "/s" + std::to_string(i), 1});
                    auto run = run_pc1(stage, proof, sectors, threads);
                    INFO(run.result.error);
                    REQUIRE(run.result.status == DMC_OK);
                    for (const auto &s : sectors) require_same_layers(proof, s.replica_id, s.cache_dir);
                    REQUIRE(run.done.size() == size_t(count) * proof.layers);
                    for (const auto &d : run.done) CHECK(d.file_size == proof.nodes() * 32);
                    // Per sector, layers are reported in order.
                    for (uint32_t i = 0; i < count; ++i) {
                        uint32_t last = 0;
                        for (const auto &d : run.done)
                            if (d.sector == i) {
                                CHECK(d.layer == last + 1);
                                last = d.layer;
                            }
                        CHECK(last == proof.layers);
                    }
                    CHECK(run.result.last_done == run.result.last_total);
                    CHECK(run.result.last_total == uint64_t(count) * proof.nodes() * proof.layers);
                }
            }
        }
    }
}

TEST_CASE("pc1 identity: a fused call where one sector resumes at layer 2", "[avx512][pc1]")
{
    if (!avx512_stage_available(DMC_STAGE_PC1)) return;
    const SealProof &proof = proof_named("StackedDrg8MiBV1_1");
    for (const auto &stage : other_stages(DMC_STAGE_PC1)) {
        if (stage.max_sectors() < 2) continue;
        INFO("plugin " << stage.plugin_name());
        TempDir root("avx512-pc1-resume");
        std::vector<Pc1Sector> sectors = {{test_replica_id(200), root / "fresh", 1},
                                          {test_replica_id(201), root / "resumed", 2}};
        // The resumed sector's layer 1 is the cpu plugin's.
        std::filesystem::create_directories(sectors[1].cache_dir);
        std::filesystem::copy_file(layer_file(cpu_layers(proof, sectors[1].replica_id), 1),
                                   layer_file(sectors[1].cache_dir, 1));
        auto run = run_pc1(stage, proof, sectors, 1);
        INFO(run.result.error);
        REQUIRE(run.result.status == DMC_OK);
        for (const auto &s : sectors) require_same_layers(proof, s.replica_id, s.cache_dir);
        REQUIRE(run.done.size() == 3);
        CHECK(std::count_if(run.done.begin(), run.done.end(), [](const LayerDone &d) { return d.sector == 1; }) == 1);
        CHECK(run.result.last_total == 3 * proof.nodes());
    }
}

TEST_CASE("pc1 identity: a cancelled call leaves no partial layer file", "[avx512][pc1]")
{
    if (!avx512_stage_available(DMC_STAGE_PC1)) return;
    const SealProof &proof = proof_named("StackedDrg8MiBV1_1");
    for (const auto &stage : other_stages(DMC_STAGE_PC1)) {
        INFO("plugin " << stage.plugin_name());
        TempDir dir("avx512-pc1-cancel");
        dmc_pc1_sector sector{};
        sector.struct_size = sizeof sector;
        sector.first_layer = 1;
        const Bytes32 id = test_replica_id(300);
        std::memcpy(sector.replica_id, id.data(), 32);
        sector.cache_dir = dir.path().c_str();
        const std::string parents = parent_cache_for(proof);
        dmc_pc1_args args{};
        args.struct_size = sizeof args;
        args.num_sectors = 1;
        args.registered_proof = proof.id;
        args.parent_cache_path = parents.c_str();
        args.sectors = &sector;
        TestCall call(1);
        call.cancel_ = 1;
        CHECK(stage.ops<dmc_pc1_ops>()->run(call.get(), &args) == DMC_ERR_CANCELLED);
        CHECK_FALSE(std::filesystem::exists(layer_file(dir.path(), 1)));
        // Bad input is refused with a message, not a crash.
        args.num_sectors = 0;
        TestCall bad(1);
        CHECK(stage.ops<dmc_pc1_ops>()->run(bad.get(), &args) == DMC_ERR_INVALID_ARG);
        CHECK_FALSE(bad.result(DMC_ERR_INVALID_ARG).error.empty());
    }
}
