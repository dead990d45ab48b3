// SPDX-License-Identifier: Apache-2.0
//
// Cross-plugin identity of the PC2 stages (tree_c, tree_r_last) and tree_d:
// every usable implementation writes the same files and commitments as the
// cpu reference plugin, on 2KiB and 8MiB sectors, with random labels and
// data, CC and deal, encoding and BUILD_ONLY, 1 and 2 threads. The 8MiB
// synthetic-labels vector (pc2_8mib_synthetic_labels) pins the expected
// digests independently of the cpu plugin.
#include <catch2/catch.hpp>

#include <filesystem>

#include <openssl/sha.h>

#include "damocles/sdk/tree_files.hpp"
#include "plugin_runner.hpp"
#include "vectors.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

namespace fs = std::filesystem;

void write_bytes(const std::string &path, const std::vector<uint8_t> &bytes)
{
    REQUIRE(write_file_atomic(path, std::span<const uint8_t>(bytes)).ok());
}

std::string sha256_hex(const std::string &path)
{
    const auto bytes = file_bytes(path);
    uint8_t digest[32];
    SHA256(bytes.data(), bytes.size(), digest);
    return to_hex(std::span<const uint8_t>(digest, 32));
}

// Layer files of random canonical labels in `dir`.
void write_random_layers(const SealProof &proof, const std::string &dir, uint32_t seed)
{
    fs::create_directories(dir);
    for (uint32_t l = 1; l <= proof.layers; ++l)
        write_bytes(layer_file(dir, l), test_staged_data(proof.nodes(), seed + l));
}

struct TreeCRun {
    CallResult result;
    Bytes32 comm_c{};
};

TreeCRun run_tree_c(const core::StageHandle &stage, const SealProof &proof, const std::string &dir, uint32_t threads,
                    bool cancelled = false)
{
    dmc_tree_c_args args{};
    args.struct_size = sizeof args;
    args.registered_proof = proof.id;
    args.cache_dir = dir.c_str();
    TestCall call(threads);
    if (cancelled) call.cancel_ = 1;
    const dmc_status status = stage.ops<dmc_tree_c_ops>()->run(call.get(), &args);
    TreeCRun out{call.result(status), {}};
    std::memcpy(out.comm_c.data(), args.comm_c, 32);
    return out;
}

struct TreeRRun {
    CallResult result;
    Bytes32 comm_r_last{};
};

TreeRRun run_tree_r_last(const core::StageHandle &stage, const SealProof &proof, const std::string &layer,
                         const std::string &staged, const std::string &replica, const std::string &tree_dir,
                         uint32_t flags, uint32_t threads)
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
    TestCall call(threads);
    const dmc_status status = stage.ops<dmc_tree_r_last_ops>()->run(call.get(), &args);
    TreeRRun out{call.result(status), {}};
    std::memcpy(out.comm_r_last.data(), args.comm_r_last, 32);
    return out;
}

std::vector<std::string> tree_c_files(const SealProof &proof)
{
    auto layout = sector_tree_layout(proof.sector_size);
    REQUIRE(layout.ok());
    return layout->tree_c_files;
}

std::vector<std::string> tree_r_files(const SealProof &proof)
{
    auto layout = sector_tree_layout(proof.sector_size);
    REQUIRE(layout.ok());
    return layout->tree_r_last_files;
}

} // namespace

TEST_CASE("pc2 identity: tree_c of every plugin equals cpu (2KiB, 8MiB, 1 and 2 threads)", "[avx512][pc2]")
{
    if (!avx512_stage_available(DMC_STAGE_TREE_C)) return;
    for (const char *name : {"StackedDrg2KiBV1_1", "StackedDrg8MiBV1_1"}) {
        const SealProof &proof = proof_named(name);
        TempDir root("avx512-tree-c");
        write_random_layers(proof, root / "cpu", 11);
        auto expected = run_tree_c(cpu_stage(DMC_STAGE_TREE_C), proof, root / "cpu", 2);
        INFO(expected.result.error);
        REQUIRE(expected.result.status == DMC_OK);
        for (const auto &stage : other_stages(DMC_STAGE_TREE_C)) {
            for (uint32_t threads : {1u, 2u}) {
                INFO(name << " plugin " << stage.plugin_name() << " threads " << threads);
                const std::string dir = root / (stage.plugin_name() + std::to_string(threads));
                write_random_layers(proof, dir, 11);
                auto got = run_tree_c(stage, proof, dir, threads);
                INFO(got.result.error);
                REQUIRE(got.result.status == DMC_OK);
                CHECK(to_hex(got.comm_c) == to_hex(expected.comm_c));
                for (const auto &file : tree_c_files(proof)) require_same_file(root / "cpu/" + file, dir + "/" + file);
                CHECK(got.result.last_done == got.result.last_total);
            }
        }
    }
}

TEST_CASE("pc2 identity: tree_r_last of every plugin equals cpu (CC, deal, BUILD_ONLY)", "[avx512][pc2]")
{
    if (!avx512_stage_available(DMC_STAGE_TREE_R_LAST)) return;
    for (const char *name : {"StackedDrg2KiBV1_1", "StackedDrg8MiBV1_1"}) {
        const SealProof &proof = proof_named(name);
        TempDir root("avx512-tree-r");
        write_bytes(root / "layer", test_staged_data(proof.nodes(), 21));
        // A deal's staged data may be shorter than the sector (zero-extended).
        write_bytes(root / "staged", test_staged_data(proof.nodes() * 3 / 4, 22));
        for (const std::string &staged : {std::string(), root / "staged"}) {
            fs::create_directories(root / "cpu");
            auto expected = run_tree_r_last(cpu_stage(DMC_STAGE_TREE_R_LAST), proof, root / "layer", staged,
                                            root / "cpu/replica", root / "cpu", 0, 2);
            INFO(expected.result.error);
            REQUIRE(expected.result.status == DMC_OK);
            for (const auto &stage : other_stages(DMC_STAGE_TREE_R_LAST)) {
                for (uint32_t threads : {1u, 2u}) {
                    INFO(name << (staged.empty() ? " CC" : " deal") << " plugin " << stage.plugin_name() << " threads "
                              << threads);
                    const std::string dir = root / (stage.plugin_name() + std::to_string(threads));
                    fs::create_directories(dir);
                    auto got = run_tree_r_last(stage, proof, root / "layer", staged, dir + "/replica", dir, 0, threads);
                    INFO(got.result.error);
                    REQUIRE(got.result.status == DMC_OK);
                    CHECK(to_hex(got.comm_r_last) == to_hex(expected.comm_r_last));
                    require_same_file(root / "cpu/replica", dir + "/replica");
                    for (const auto &file : tree_r_files(proof))
                        require_same_file(root / "cpu/" + file, dir + "/" + file);

                    // BUILD_ONLY over the replica just written: the same trees.
                    fs::remove_all(dir + "/rebuilt");
                    fs::create_directories(dir + "/rebuilt");
                    auto rebuilt = run_tree_r_last(stage, proof, "", "", dir + "/replica", dir + "/rebuilt",
                                                   DMC_TREE_R_BUILD_ONLY, threads);
                    INFO(rebuilt.result.error);
                    REQUIRE(rebuilt.result.status == DMC_OK);
                    CHECK(to_hex(rebuilt.comm_r_last) == to_hex(expected.comm_r_last));
                    for (const auto &file : tree_r_files(proof))
                        require_same_file(root / "cpu/" + file, dir + "/rebuilt/" + file);
                }
            }
            fs::remove_all(root / "cpu");
        }
    }
}

TEST_CASE("pc2 identity: the 8MiB synthetic-labels vector, through every plugin", "[avx512][pc2]")
{
    if (!avx512_stage_available(DMC_STAGE_TREE_C)) return;
    const auto &v = use_vector("poseidon", "pc2_8mib_synthetic_labels");
    const auto &e = v.at("expected");
    const SealProof &proof = proof_named("StackedDrg8MiBV1_1");
    TempDir root("avx512-pc2-vector");
    // Label rule of the vector: layer l node i = Fr(l·2^32 + i).
    for (uint32_t l = 1; l <= 2; ++l) {
        std::vector<uint8_t> bytes(proof.nodes() * 32, 0);
        for (uint64_t i = 0; i < proof.nodes(); ++i) {
            const uint64_t value = (uint64_t(l) << 32) + i;
            std::memcpy(bytes.data() + 32 * i, &value, 8);
        }
        write_bytes(layer_file(root.path(), l), bytes);
    }
    for (auto kind : {DMC_STAGE_TREE_C, DMC_STAGE_TREE_R_LAST}) {
        for (const auto &stage : other_stages(kind)) {
            INFO("plugin " << stage.plugin_name() << " stage " << core::stage_kind_name(kind));
            if (kind == DMC_STAGE_TREE_C) {
                auto got = run_tree_c(stage, proof, root.path(), 2);
                INFO(got.result.error);
                REQUIRE(got.result.status == DMC_OK);
                CHECK(to_hex(got.comm_c) == e.at("comm_c_le_hex").get<std::string>());
                CHECK(sha256_hex(root / "sc-02-data-tree-c.dat") == e.at("tree_c_file_sha256").get<std::string>());
            } else {
                auto got =
                    run_tree_r_last(stage, proof, layer_file(root.path(), 2), "", root / "replica", root.path(), 0, 2);
                INFO(got.result.error);
                REQUIRE(got.result.status == DMC_OK);
                CHECK(to_hex(got.comm_r_last) == e.at("comm_r_last_le_hex").get<std::string>());
                CHECK(sha256_hex(root / "sc-02-data-tree-r-last.dat") ==
                      e.at("tree_r_last_file_sha256").get<std::string>());
            }
        }
    }
}

TEST_CASE("pc2 identity: bad input and cancel are refused without a tree file", "[avx512][pc2]")
{
    if (!avx512_stage_available(DMC_STAGE_TREE_C)) return;
    const SealProof &proof = proof_named("StackedDrg2KiBV1_1");
    for (const auto &stage : other_stages(DMC_STAGE_TREE_C)) {
        INFO("plugin " << stage.plugin_name());
        TempDir dir("avx512-tree-c-bad");
        write_random_layers(proof, dir.path(), 5);
        auto cancelled = run_tree_c(stage, proof, dir.path(), 1, true);
        CHECK(cancelled.result.status == DMC_ERR_CANCELLED);
        CHECK_FALSE(fs::exists(dir / "sc-02-data-tree-c.dat"));
        // A label >= r (all 0xff) is not a field element: refused, as the cpu plugin does.
        auto layer = file_bytes(layer_file(dir.path(), 2));
        std::fill(layer.begin() + 32 * 9, layer.begin() + 32 * 10, 0xff);
        write_bytes(layer_file(dir.path(), 2), layer);
        auto bad = run_tree_c(stage, proof, dir.path(), 1);
        CHECK(bad.result.status != DMC_OK);
        CHECK(bad.result.error.find("layer 2") != std::string::npos);
        CHECK(run_tree_c(cpu_stage(DMC_STAGE_TREE_C), proof, dir.path(), 1).result.status == bad.result.status);
        CHECK_FALSE(fs::exists(dir / "sc-02-data-tree-c.dat"));
    }
}

TEST_CASE("tree_d identity: every tree_d plugin equals cpu", "[avx512][tree_d]")
{
    const SealProof &proof = proof_named("StackedDrg8MiBV1_1");
    TempDir root("avx512-tree-d");
    write_bytes(root / "staged", test_staged_data(proof.nodes() / 3, 31));
    auto run_tree_d = [&](const core::StageHandle &stage, const std::string &out, Bytes32 &comm_d) {
        dmc_tree_d_args args{};
        args.struct_size = sizeof args;
        args.sector_size = proof.sector_size;
        const std::string staged = root / "staged";
        args.staged_path = staged.c_str();
        args.tree_d_path = out.c_str();
        TestCall call(2);
        const dmc_status status = stage.ops<dmc_tree_d_ops>()->run(call.get(), &args);
        std::memcpy(comm_d.data(), args.comm_d, 32);
        INFO(call.result(status).error);
        return status;
    };
    Bytes32 expected{};
    REQUIRE(run_tree_d(cpu_stage(DMC_STAGE_TREE_D), root / "cpu-tree-d", expected) == DMC_OK);
    for (const auto &stage : other_stages(DMC_STAGE_TREE_D)) {
        INFO("plugin " << stage.plugin_name());
        Bytes32 got{};
        REQUIRE(run_tree_d(stage, root / (stage.plugin_name() + "-tree-d"), got) == DMC_OK);
        CHECK(to_hex(got) == to_hex(expected));
        require_same_file(root / "cpu-tree-d", root / (stage.plugin_name() + "-tree-d"));
    }
}
