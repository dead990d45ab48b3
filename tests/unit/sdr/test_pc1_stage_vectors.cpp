// SPDX-License-Identifier: Apache-2.0
//
// The cpu pc1 stage, called through its ops table, against the 2KiB
// end-to-end sectors (every label), the 8MiB CC layer digests and, under the
// hidden tag [.slow512], the 512MiB CC layer digests.
#include <catch2/catch.hpp>

#include <chrono>

#include "damocles/sdk/ids.hpp"
#include "damocles/sdk/parent_cache.hpp"
#include "damocles/sdk/proof.hpp"
#include "sdr_test_support.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

const SealProof &proof_named(const std::string &name)
{
    auto proof = find_seal_proof(name);
    REQUIRE(proof.ok());
    return **proof;
}

std::string parent_cache_for(const SealProof &proof, const std::string &dir)
{
    ParentCacheOptions options;
    options.dir = dir;
    options.threads = 2;
    auto path = ensure_parent_cache(proof, options);
    REQUIRE(path.ok());
    return *path;
}

// The replica id of a layer_digest vector from its inputs.
Bytes32 replica_id_of(const json &in)
{
    const SealProof &proof = proof_named(in.at("registered_seal_proof").get<std::string>());
    CHECK(to_hex(proof.porep_id()) == in.at("porep_id_hex").get<std::string>());
    const Bytes32 prover = prover_id_from_actor_id(as_u64(in.at("miner_actor_id")));
    CHECK(to_hex(prover) == in.at("prover_id_hex").get<std::string>());
    return replica_id(prover, as_u64(in.at("sector_number")), bytes32_of(in.at("ticket_hex")),
                      bytes32_of(in.at("comm_d_hex")), proof.porep_id());
}

void check_layer_digest_vector(const json &v, uint32_t threads)
{
    const auto &in = v.at("inputs");
    const auto &e = v.at("expected");
    const SealProof &proof = proof_named(in.at("registered_seal_proof").get<std::string>());
    REQUIRE(proof.layers == 2);
    REQUIRE(in.at("layers").get<uint32_t>() == 2);
    const Bytes32 rid = replica_id_of(in);
    REQUIRE(to_hex(rid) == e.at("replica_id_hex").get<std::string>());

    TempDir dir("sdr-pc1-digest");
    Pc1Request req;
    req.proof_id = proof.id;
    req.replica_id = rid;
    req.parent_cache_path = parent_cache_for(proof, dir / "parents");
    req.cache_dir = dir / "cache";
    req.threads = threads;
    const auto start = std::chrono::steady_clock::now();
    const auto r = run_pc1_stage(req);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    REQUIRE(r.status == DMC_OK);
    WARN(v.at("name").get<std::string>() << ": pc1 stage " << seconds << " s with " << threads << " thread(s)");
    CHECK(r.layers_done == std::vector<uint32_t>{1, 2});
    for (uint32_t layer : {1u, 2u}) {
        const auto &expected = e.at("layer" + std::to_string(layer));
        const std::string path = layer_file(req.cache_dir, layer);
        INFO("layer " << layer);
        CHECK(sha256_file_hex(path) == expected.at("file_sha256").get<std::string>());
        auto file = MappedFile::open_read(path);
        REQUIRE(file.ok());
        REQUIRE(file->size() == proof.nodes() * 32);
        CHECK(hex_of(file->data(), 32) == expected.at("node0_hex").get<std::string>());
        CHECK(hex_of(file->data() + 32, 32) == expected.at("node1_hex").get<std::string>());
        CHECK(hex_of(file->data() + file->size() - 32, 32) == expected.at("last_node_hex").get<std::string>());
    }
    // CC: data is zero, so the sealed replica equals the last layer (docs/algorithms.md §10.6).
    CHECK(e.at("sealed_replica").at("file_sha256") == e.at("layer2").at("file_sha256"));
}

} // namespace

TEST_CASE("pc1 stage reproduces every label of the 2KiB end-to-end sectors (1 and 2 threads)", "[sdr][pc1]")
{
    for (const char *name :
         {"end_to_end_2kib_cc_lotus_devnet", "end_to_end_2kib_cc_v1_1_actor1000", "end_to_end_2kib_cc_v1_actor1000"}) {
        const auto &v = use_vector("sdr", name);
        const auto &e = v.at("expected");
        const SealProof &proof = proof_named(v.at("inputs").at("registered_seal_proof").get<std::string>());
        TempDir dir("sdr-pc1-2kib");
        const std::string parents = parent_cache_for(proof, dir / "parents");
        for (uint32_t threads : {1u, 2u}) {
            INFO(name << ", " << threads << " thread(s)");
            Pc1Request req;
            req.proof_id = proof.id;
            req.replica_id = bytes32_of(e.at("replica_id_hex"));
            req.parent_cache_path = parents;
            req.cache_dir = dir / ("cache-" + std::to_string(threads));
            req.threads = threads;
            const auto r = run_pc1_stage(req);
            REQUIRE(r.status == DMC_OK);
            CHECK(r.error.empty());
            CHECK(r.layers_done == std::vector<uint32_t>{1, 2});
            CHECK(r.last_done == r.last_total);
            CHECK(r.last_total == proof.nodes() * 2);
            for (uint32_t layer : {1u, 2u}) {
                const auto &labels = e.at("layer" + std::to_string(layer) + "_labels_hex");
                auto file = MappedFile::open_read(layer_file(req.cache_dir, layer));
                REQUIRE(file.ok());
                REQUIRE(file->size() == labels.size() * 32);
                for (size_t node = 0; node < labels.size(); ++node) {
                    INFO("layer " << layer << " node " << node);
                    CHECK(hex_of(file->data() + 32 * node, 32) == labels[node].get<std::string>());
                }
                CHECK(sha256_file_hex(layer_file(req.cache_dir, layer)) ==
                      e.at("layer" + std::to_string(layer) + "_file_sha256").get<std::string>());
            }
            CHECK(e.at("sealed_replica_sha256") == e.at("layer2_file_sha256"));
        }
    }
}

TEST_CASE("pc1 stage 8MiB CC (V1_1): layer file digests (pc1_cc_StackedDrg8MiBV1_1)", "[sdr][pc1]")
{
    check_layer_digest_vector(use_vector("sdr", "pc1_cc_StackedDrg8MiBV1_1"), 2);
}

TEST_CASE("pc1 512MiB CC (V1_1): replica id and porep id (full layers under [.slow512])", "[sdr][pc1]")
{
    const auto &v = use_vector("sdr", "pc1_cc_StackedDrg512MiBV1_1");
    const Bytes32 rid = replica_id_of(v.at("inputs"));
    CHECK(to_hex(rid) == v.at("expected").at("replica_id_hex").get<std::string>());
    CHECK(proof_named("StackedDrg512MiBV1_1").sector_size == as_u64(v.at("inputs").at("sector_size")));
}

TEST_CASE("pc1 stage 512MiB CC (V1_1): layer file digests", "[.slow512]")
{
    check_layer_digest_vector(use_vector("sdr", "pc1_cc_StackedDrg512MiBV1_1"), 2);
}
