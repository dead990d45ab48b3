// SPDX-License-Identifier: Apache-2.0
//
// Prover ids, porep ids with graph seeds, and replica ids (docs/algorithms.md §5, §6.1).
#include <catch2/catch.hpp>

#include "damocles/sdk/ids.hpp"
#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/sdr_graph.hpp"
#include "sdr_test_support.hpp"

using namespace dmc;
using namespace dmc::test;

TEST_CASE("prover ids are the LEB128 actor id zero-filled (prover_id_examples)", "[sdr][ids]")
{
    const auto &v = use_vector("sdr", "prover_id_examples");
    const auto &ids = v.at("inputs").at("actor_ids");
    const auto &expected = v.at("expected").at("prover_id_hex");
    REQUIRE(ids.size() == expected.size());
    for (size_t i = 0; i < ids.size(); ++i)
        CHECK(to_hex(prover_id_from_actor_id(as_u64(ids[i]))) == expected[i].get<std::string>());
}

TEST_CASE("porep ids and graph seeds of all 20 seal proofs", "[sdr][ids]")
{
    const auto &proofs = use_vector("sdr", "porep_ids_and_graph_seeds").at("expected").at("proofs");
    REQUIRE(proofs.size() == 20);
    for (const auto &p : proofs) {
        INFO(p.at("registered_seal_proof").get<std::string>());
        auto proof = find_seal_proof(p.at("registered_seal_proof").get<std::string>());
        REQUIRE(proof.ok());
        CHECK((*proof)->id == as_u64(p.at("id")));
        CHECK((*proof)->api_version_string() == p.at("api_version").get<std::string>());
        const Bytes32 porep_id = (*proof)->porep_id();
        CHECK(to_hex(porep_id) == p.at("porep_id_hex").get<std::string>());
        const GraphSeeds seeds = derive_graph_seeds(porep_id);
        CHECK(to_hex(seeds.drg_seed) == p.at("drg_seed_hex").get<std::string>());
        for (size_t k = 0; k < 4; ++k) CHECK(seeds.feistel_keys[k] == as_u64(p.at("feistel_keys_u64")[k]));
    }
}

TEST_CASE("replica ids: preimage and trunc254 digest (rid_*)", "[sdr][ids]")
{
    const auto vectors = use_vectors_of_kind("sdr", "replica_id");
    REQUIRE(vectors.size() == 6);
    for (const json *vp : vectors) {
        const json &v = *vp;
        INFO(v.at("name").get<std::string>());
        const auto &in = v.at("inputs");
        const Bytes32 prover = prover_id_from_actor_id(as_u64(in.at("miner_actor_id")));
        CHECK(to_hex(prover) == in.at("prover_id_hex").get<std::string>());
        auto proof = find_seal_proof(in.at("registered_seal_proof").get<std::string>());
        REQUIRE(proof.ok());
        CHECK(to_hex((*proof)->porep_id()) == in.at("porep_id_hex").get<std::string>());
        const Bytes32 ticket = bytes32_of(in.at("ticket_hex"));
        const Bytes32 comm_d = bytes32_of(in.at("comm_d_hex"));
        const uint64_t sector = as_u64(in.at("sector_number"));
        const auto pre = replica_id_preimage(prover, sector, ticket, comm_d, (*proof)->porep_id());
        CHECK(to_hex(pre) == v.at("expected").at("sha256_preimage_hex").get<std::string>());
        CHECK(to_hex(replica_id(prover, sector, ticket, comm_d, (*proof)->porep_id())) ==
              v.at("expected").at("replica_id_hex").get<std::string>());
    }
}
