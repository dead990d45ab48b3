// SPDX-License-Identifier: Apache-2.0
//
// SDR labels (docs/algorithms.md §7) computed by the sdk primitives: the upstream
// last-label vectors (11 layers, 64/128 nodes, both API versions), the
// preimage prefix, and every label of the three 2KiB end-to-end sectors.
#include <catch2/catch.hpp>

#include <openssl/sha.h>

#include "damocles/sdk/challenges.hpp"
#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/comm_d.hpp"
#include "damocles/sdk/ids.hpp"
#include "damocles/sdk/labels.hpp"
#include "damocles/sdk/proof.hpp"
#include "sdr_test_support.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

std::string sha256_hex(const std::vector<uint8_t> &bytes)
{
    uint8_t digest[32];
    SHA256(bytes.data(), bytes.size(), digest);
    return hex_of(digest, 32);
}

} // namespace

TEST_CASE("label preimage prefix layout (label_preimage_prefix)", "[sdr][labels]")
{
    const auto &v = use_vector("sdr", "label_preimage_prefix");
    uint8_t prefix[64];
    label_prefix(bytes32_of(v.at("inputs").at("replica_id_hex")), v.at("inputs").at("layer").get<uint32_t>(),
                 as_u64(v.at("inputs").at("node")), prefix);
    CHECK(hex_of(prefix, 64) == v.at("expected").at("first_64_bytes_hex").get<std::string>());
}

TEST_CASE("last label of 11 layers matches upstream create_labels tests (labels_last_*)", "[sdr][labels]")
{
    const auto vectors = use_vectors_of_kind("sdr", "labels_last");
    REQUIRE(vectors.size() == 4);
    for (const json *vp : vectors) {
        const json &v = *vp;
        INFO(v.at("name").get<std::string>());
        const auto &in = v.at("inputs");
        const SdrGraph graph(as_u64(in.at("nodes")), bytes32_of(in.at("porep_id_hex")),
                             in.at("api_version").get<std::string>() != "1.0.0");
        const auto layers =
            compute_layers_reference(graph, bytes32_of(in.at("replica_id_hex")), in.at("layers").get<uint32_t>());
        const auto &last = layers.back();
        CHECK(hex_of(last.data() + last.size() - 32, 32) ==
              v.at("expected").at("last_label_of_last_layer_hex").get<std::string>());
        // The same value from the upstream u64 limbs (canonical, LE limb order).
        std::string from_limbs;
        for (const auto &limb : v.at("expected").at("fr_u64_limbs_le")) {
            const uint64_t x = std::stoull(limb.get<std::string>(), nullptr, 16);
            uint8_t le[8];
            for (int i = 0; i < 8; ++i) le[i] = static_cast<uint8_t>(x >> (8 * i));
            from_limbs += hex_of(le, 8);
        }
        CHECK(hex_of(last.data() + last.size() - 32, 32) == from_limbs);
        const auto &digests = v.at("expected").at("layer_sha256");
        REQUIRE(digests.size() == layers.size());
        for (size_t l = 0; l < layers.size(); ++l) CHECK(sha256_hex(layers[l]) == digests[l].get<std::string>());
    }
}

TEST_CASE("2KiB end-to-end sectors: ids, CommD and every label from the sdk primitives", "[sdr][labels]")
{
    for (const char *name :
         {"end_to_end_2kib_cc_lotus_devnet", "end_to_end_2kib_cc_v1_1_actor1000", "end_to_end_2kib_cc_v1_actor1000"}) {
        const auto &v = use_vector("sdr", name);
        INFO(name);
        const auto &in = v.at("inputs");
        const auto &e = v.at("expected");
        auto proof = find_seal_proof(in.at("registered_seal_proof").get<std::string>());
        REQUIRE(proof.ok());
        CHECK(to_hex((*proof)->porep_id()) == in.at("porep_id_hex").get<std::string>());
        const uint64_t sector_size = as_u64(in.at("sector_size"));
        CHECK((*proof)->sector_size == sector_size);
        CHECK((*proof)->layers == in.at("layers").get<uint32_t>());

        const Bytes32 prover = prover_id_from_actor_id(as_u64(in.at("miner_actor_id")));
        CHECK(to_hex(prover) == e.at("prover_id_hex").get<std::string>());
        auto comm_d = compute_comm_d(sector_size, {}); // CC: no pieces
        REQUIRE(comm_d.ok());
        CHECK(to_hex(*comm_d) == e.at("comm_d_hex").get<std::string>());
        CHECK(commitment_to_cid(*comm_d, CommitmentKind::unsealed) == e.at("comm_d_cid").get<std::string>());
        const Bytes32 rid = replica_id(prover, as_u64(in.at("sector_number")), bytes32_of(in.at("ticket_hex")), *comm_d,
                                       (*proof)->porep_id());
        CHECK(to_hex(rid) == e.at("replica_id_hex").get<std::string>());

        const SdrGraph graph = SdrGraph::for_proof(**proof);
        const auto layers = compute_layers_reference(graph, rid, (*proof)->layers);
        REQUIRE(layers.size() == 2);
        const auto &l1 = e.at("layer1_labels_hex");
        const auto &l2 = e.at("layer2_labels_hex");
        REQUIRE(l1.size() == graph.nodes());
        REQUIRE(l2.size() == graph.nodes());
        for (uint64_t node = 0; node < graph.nodes(); ++node) {
            INFO("node " << node);
            CHECK(hex_of(layers[0].data() + 32 * node, 32) == l1[node].get<std::string>());
            CHECK(hex_of(layers[1].data() + 32 * node, 32) == l2[node].get<std::string>());
        }
        CHECK(sha256_hex(layers[0]) == e.at("layer1_file_sha256").get<std::string>());
        CHECK(sha256_hex(layers[1]) == e.at("layer2_file_sha256").get<std::string>());
        // CC: the replica is the last layer (data = 0, docs/algorithms.md §10.6).
        CHECK(sha256_hex(layers[1]) == e.at("sealed_replica_sha256").get<std::string>());
        CHECK(hex_of(layers[1].data(), 32) == e.at("sealed_replica_first_node_hex").get<std::string>());
        CHECK(hex_of(layers[1].data() + layers[1].size() - 32, 32) ==
              e.at("sealed_replica_last_node_hex").get<std::string>());
        // The recorded CommR and its CID (comm_c / comm_r_last need Poseidon: PC2's tests).
        CHECK(commitment_to_cid(bytes32_of(e.at("comm_r_hex")), CommitmentKind::sealed) ==
              e.at("comm_r_cid").get<std::string>());
        if (in.contains("recorded_in_transcript")) {
            // What lotus-miner printed for the real sector.
            const auto &t = in.at("recorded_in_transcript");
            CHECK(commitment_to_cid(*comm_d, CommitmentKind::unsealed) == t.at("CIDcommD").get<std::string>());
            CHECK(commitment_to_cid(bytes32_of(e.at("comm_r_hex")), CommitmentKind::sealed) ==
                  t.at("CIDcommR").get<std::string>());
            CHECK(t.at("SealProof").get<uint64_t>() == (*proof)->id);
            CHECK(t.at("SectorNumber").get<uint64_t>() == as_u64(in.at("sector_number")));
            CHECK(t.at("Ticket") == in.at("ticket_hex"));
            auto miner = parse_miner_id(t.at("miner").get<std::string>());
            REQUIRE(miner.ok());
            CHECK(*miner == as_u64(in.at("miner_actor_id")));
        }

        // The verifier primitive: every label of layer 2 from the vector's own
        // parent labels (base from layer 2, expander from layer 1).
        for (uint64_t node = 0; node < graph.nodes(); ++node) {
            std::vector<Bytes32> parent_labels;
            if (node > 0) {
                uint32_t parents[kParentCount];
                graph.parents(node, parents);
                for (unsigned i = 0; i < kParentCount; ++i)
                    parent_labels.push_back(bytes32_of(i < kBaseDegree ? l2[parents[i]] : l1[parents[i]]));
            }
            auto label = label_node(rid, 2, node, parent_labels);
            REQUIRE(label.ok());
            CHECK(to_hex(*label) == l2[node].get<std::string>());
        }

        if (e.contains("interactive_challenges_k0")) {
            const auto challenges = interactive_challenges(rid, bytes32_of(e.at("interactive_seed_hex")), graph.nodes(),
                                                           0, (*proof)->challenges_per_partition);
            const auto &expected = e.at("interactive_challenges_k0");
            REQUIRE(challenges.size() == expected.size());
            for (size_t i = 0; i < challenges.size(); ++i) CHECK(challenges[i] == as_u64(expected[i]));
        }
    }
}
