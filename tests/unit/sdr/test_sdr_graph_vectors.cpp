// SPDX-License-Identifier: Apache-2.0
//
// SDR graph parents (docs/algorithms.md §6) against full parent lists, selected nodes of
// every size, step-by-step ChaCha8 / bucket-sampling / Feistel traces and the
// upstream public-params identifier.
#include <catch2/catch.hpp>

#include "damocles/sdk/chacha.hpp"
#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/sdr_graph.hpp"
#include "sdr_test_support.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

bool api_v1_1(const json &inputs) { return inputs.at("api_version").get<std::string>() != "1.0.0"; }

SdrGraph graph_from(const json &inputs, uint64_t nodes)
{
    return SdrGraph(nodes, bytes32_of(inputs.at("porep_id_hex")), api_v1_1(inputs));
}

void check_parents(const SdrGraph &graph, uint64_t node, const json &expected)
{
    REQUIRE(expected.size() == kParentCount);
    uint32_t parents[kParentCount];
    graph.parents(node, parents);
    INFO("node " << node);
    for (unsigned i = 0; i < kParentCount; ++i) CHECK(parents[i] == as_u64(expected[i]));
}

} // namespace

TEST_CASE("every parent of every node of the 2KiB graphs (V1, V1_1)", "[sdr][graph]")
{
    for (const char *name : {"parents_2KiB_StackedDrg2KiBV1_1", "parents_2KiB_StackedDrg2KiBV1"}) {
        const auto &v = use_vector("sdr", name);
        INFO(name);
        const uint64_t nodes = as_u64(v.at("inputs").at("nodes"));
        const SdrGraph graph = graph_from(v.at("inputs"), nodes);
        const auto &rows = v.at("expected").at("parents_per_node");
        REQUIRE(rows.size() == nodes);
        for (uint64_t node = 0; node < nodes; ++node) check_parents(graph, node, rows[node]);
    }
}

TEST_CASE("parents of selected nodes of the 8MiB, 512MiB, 32GiB and 64GiB graphs", "[sdr][graph]")
{
    for (const char *name : {"parents_selected_StackedDrg8MiBV1_1", "parents_selected_StackedDrg8MiBV1",
                             "parents_selected_StackedDrg512MiBV1_1", "parents_selected_StackedDrg32GiBV1_1",
                             "parents_selected_StackedDrg32GiBV1", "parents_selected_StackedDrg64GiBV1_1",
                             "parents_selected_StackedDrg64GiBV1"}) {
        const auto &v = use_vector("sdr", name);
        INFO(name);
        const SdrGraph graph = graph_from(v.at("inputs"), as_u64(v.at("inputs").at("nodes")));
        const auto &indices = v.at("inputs").at("node_indices");
        const auto &expected = v.at("expected").at("parents");
        REQUIRE(indices.size() == expected.size());
        for (size_t i = 0; i < indices.size(); ++i) check_parents(graph, as_u64(indices[i]), expected[i]);
    }
}

TEST_CASE("bucket sampling step by step (drg_trace_*)", "[sdr][graph]")
{
    const auto vectors = use_vectors_of_kind("sdr", "drg_trace");
    REQUIRE(vectors.size() == 4);
    for (const json *vp : vectors) {
        const json &v = *vp;
        INFO(v.at("name").get<std::string>());
        const auto &in = v.at("inputs");
        const auto &e = v.at("expected");
        const Bytes32 porep_id = bytes32_of(in.at("porep_id_hex"));
        auto proof = find_seal_proof(uint64_t(porep_id[0]));
        REQUIRE(proof.ok());
        const SdrGraph graph((*proof)->nodes(), porep_id, api_v1_1(in));
        const uint64_t node = as_u64(in.at("node"));

        const auto seed = graph.chacha_seed(node);
        CHECK(to_hex(seed) == e.at("chacha8_key_hex").get<std::string>());
        ChaCha8Rng rng(seed);
        const auto &words = e.at("first_20_u32_words");
        REQUIRE(words.size() == 20);
        for (const auto &w : words) CHECK(rng.next_u32() == as_u64(w));

        const uint64_t meta = node * (kBaseDegree - 1);
        CHECK(meta == as_u64(e.at("metagraph_node")));
        CHECK(drg_bucket_count(meta) == as_u64(e.at("n_buckets")));

        uint32_t base[kBaseDegree];
        BucketDraw draws[kBaseDegree - 1];
        graph.base_parents(node, base, draws);
        const auto &expected_draws = e.at("draws");
        REQUIRE(expected_draws.size() == 5);
        for (size_t k = 0; k < 5; ++k) {
            const auto &d = expected_draws[k];
            INFO("draw " << k);
            CHECK(draws[k].u64_a == as_u64(d.at("u64_a")));
            CHECK(draws[k].bucket == as_u64(d.at("bucket_index")));
            CHECK(draws[k].largest == as_u64(d.at("largest")));
            CHECK(draws[k].smallest == as_u64(d.at("smallest")));
            CHECK(draws[k].u64_b == as_u64(d.at("u64_b")));
            CHECK(draws[k].distance == as_u64(d.at("distance")));
            CHECK(draws[k].parent == as_u64(d.at("parent")));
        }
        for (size_t i = 0; i < kBaseDegree; ++i) CHECK(base[i] == as_u64(e.at("base_parents")[i]));
    }
}

TEST_CASE("Feistel expander parents step by step and the keys [1,2,3,4] permutations", "[sdr][graph]")
{
    const auto vectors = use_vectors_of_kind("sdr", "feistel");
    REQUIRE(vectors.size() == 6);
    for (const json *vp : vectors) {
        const json &v = *vp;
        INFO(v.at("name").get<std::string>());
        const auto &in = v.at("inputs");
        const auto &e = v.at("expected");
        if (in.contains("keys")) {
            // Plain permutation with test keys (feistel_permute_small / _n5).
            std::array<uint64_t, 4> keys{};
            for (size_t k = 0; k < 4; ++k) keys[k] = as_u64(in.at("keys")[k]);
            const uint64_t n = as_u64(in.at("num_elements"));
            const FeistelPrecomputed pre = feistel_precompute(n);
            const auto &masks = e.at("precompute_left_mask_right_mask_half_bits");
            CHECK(pre.left_mask == as_u64(masks[0]));
            CHECK(pre.right_mask == as_u64(masks[1]));
            CHECK(pre.half_bits == as_u64(masks[2]));
            const auto &indices = in.at("indices");
            for (size_t i = 0; i < indices.size(); ++i)
                CHECK(feistel_permute(n, as_u64(indices[i]), keys, pre) == as_u64(e.at("permuted")[i]));
            continue;
        }
        const uint64_t nodes = as_u64(in.at("nodes"));
        const SdrGraph graph = graph_from(in, nodes);
        const uint64_t node = as_u64(in.at("node"));
        const unsigned i = in.at("i").get<unsigned>();
        const auto &masks = e.at("left_mask_right_mask_half_bits");
        CHECK(graph.feistel().left_mask == as_u64(masks[0]));
        CHECK(graph.feistel().right_mask == as_u64(masks[1]));
        CHECK(graph.feistel().half_bits == as_u64(masks[2]));
        const uint64_t input = node * kExpanderDegree + i;
        CHECK(input == as_u64(e.at("input_index")));
        std::vector<uint64_t> chain;
        const uint64_t permuted =
            feistel_permute(nodes * kExpanderDegree, input, graph.seeds().feistel_keys, graph.feistel(), &chain);
        CHECK(permuted == as_u64(e.at("permuted")));
        const auto &expected_chain = e.at("encode_chain");
        REQUIRE(chain.size() == expected_chain.size());
        for (size_t k = 0; k < chain.size(); ++k) CHECK(chain[k] == as_u64(expected_chain[k]));
        CHECK(graph.expander_parent(node, i) == as_u64(e.at("parent")));
    }
}

TEST_CASE("public params identifier of 32GiB V1_1 matches upstream", "[sdr][graph]")
{
    const auto &v = use_vector("sdr", "public_params_identifier_32gib");
    auto proof = find_seal_proof("StackedDrg32GiBV1_1");
    REQUIRE(proof.ok());
    CHECK((*proof)->nodes() == as_u64(v.at("inputs").at("nodes")));
    CHECK((*proof)->layers == as_u64(v.at("inputs").at("layers")));
    CHECK(public_params_identifier(**proof) == v.at("expected").at("identifier").get<std::string>());
}
