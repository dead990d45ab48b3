// SPDX-License-Identifier: Apache-2.0
//
// Poseidon constants and hashes against neptune / rust-fil-proofs / curio
// vectors. Every hash is checked with both the optimised (default) and the
// plain permutation.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "damocles/sdk/fr.hpp"
#include "damocles/sdk/poseidon.hpp"
#include "damocles/sdk/sha254.hpp"
#include "field_test_support.hpp"
#include "vectors.hpp"

using dmc::Fr;
using dmc::PoseidonConstants;
using dmc::PoseidonStrength;
using dmc::test::fr_from_hex;
using dmc::test::hex_of;
using dmc::test::json;
using dmc::test::limbs_from_json;
using dmc::test::use_vector;

namespace {

std::string be_hex(const Fr &value)
{
    const dmc::Bytes32 le = value.to_bytes();
    dmc::Bytes32 be;
    for (int i = 0; i < 32; ++i) be[i] = le[31 - i];
    return dmc::to_hex(be);
}

std::vector<Fr> plain_state(const Fr &tag, const std::vector<Fr> &inputs)
{
    std::vector<Fr> state{tag};
    state.insert(state.end(), inputs.begin(), inputs.end());
    return state;
}

// Hashes with both permutations and requires they agree.
Fr hash_both(const PoseidonConstants &c, const Fr &tag, const std::vector<Fr> &inputs)
{
    std::vector<Fr> plain = plain_state(tag, inputs);
    dmc::poseidon_permute_plain(c, plain);
    const Fr fast = dmc::poseidon_hash_tagged(c.arity, tag, inputs, c.strength);
    REQUIRE(fast == plain[1]);
    return fast;
}

std::vector<Fr> small_ints(const json &list)
{
    std::vector<Fr> out;
    for (const auto &v : list) out.push_back(Fr::from_u64(v.get<uint64_t>()));
    return out;
}

void check_output(const Fr &out, const json &expected)
{
    CHECK(hex_of(out) == expected.at("output_le_hex").get<std::string>());
    if (expected.contains("output_u64_limbs_le"))
        CHECK(out.to_canonical_limbs() == limbs_from_json(expected.at("output_u64_limbs_le")));
}

} // namespace

TEST_CASE("poseidon_params_arity*: round numbers, Grain constants, MDS", "[field][poseidon][vectors]")
{
    for (unsigned arity : {2u, 4u, 8u, 11u, 16u, 24u, 36u}) {
        const auto &v = use_vector("poseidon", "poseidon_params_arity" + std::to_string(arity));
        INFO("arity " << arity);
        REQUIRE(v.at("inputs").at("strength") == "Standard");
        const auto &e = v.at("expected");
        const auto &grain = v.at("inputs").at("grain_init");
        const PoseidonConstants &c = dmc::poseidon_constants(arity);
        CHECK(c.width == e.at("t").get<unsigned>());
        CHECK(c.full_rounds == e.at("R_F").get<unsigned>());
        CHECK(c.partial_rounds == e.at("R_P").get<unsigned>());
        CHECK(grain.at("t").get<unsigned>() == c.width);
        CHECK(grain.at("R_P").get<unsigned>() == c.partial_rounds);
        CHECK(grain.at("field_bits").get<unsigned>() == 255);
        REQUIRE(c.round_constants.size() == e.at("num_round_constants").get<size_t>());
        CHECK(c.grain_candidates_drawn == e.at("grain_candidates_drawn").get<uint32_t>());
        CHECK(c.grain_candidates_rejected == e.at("grain_candidates_rejected").get<uint32_t>());

        std::vector<uint8_t> concat;
        for (const Fr &rc : c.round_constants) {
            const auto bytes = rc.to_bytes();
            concat.insert(concat.end(), bytes.begin(), bytes.end());
        }
        CHECK(dmc::to_hex(dmc::sha256(concat)) == e.at("round_constants_sha256_of_le_concat").get<std::string>());
        CHECK(be_hex(c.round_constants.front()) == e.at("rc_first_be_hex").get<std::string>());
        CHECK(hex_of(c.round_constants[0]) == e.at("rc_0_le_hex").get<std::string>());
        CHECK(hex_of(c.round_constants[1]) == e.at("rc_1_le_hex").get<std::string>());
        CHECK(hex_of(c.round_constants[2]) == e.at("rc_2_le_hex").get<std::string>());
        CHECK(hex_of(c.round_constants.back()) == e.at("rc_last_le_hex").get<std::string>());
        CHECK(hex_of(c.merkle_tree_tag) == e.at("domain_tag_merkle_le_hex").get<std::string>());
        CHECK(hex_of(c.mds[0]) == e.at("mds_0_0_le_hex").get<std::string>());
        CHECK(hex_of(c.mds[1]) == e.at("mds_0_1_le_hex").get<std::string>());
        CHECK(hex_of(c.mds.back()) == e.at("mds_last_last_le_hex").get<std::string>());

        if (e.contains("round_constants_le_hex")) {
            const auto &list = e.at("round_constants_le_hex");
            REQUIRE(list.size() == c.round_constants.size());
            for (size_t i = 0; i < list.size(); ++i)
                REQUIRE(hex_of(c.round_constants[i]) == list[i].get<std::string>());
        }
        if (e.contains("mds_le_hex")) {
            const auto &rows = e.at("mds_le_hex");
            REQUIRE(rows.size() == c.width);
            for (unsigned i = 0; i < c.width; ++i) {
                for (unsigned j = 0; j < c.width; ++j)
                    REQUIRE(hex_of(c.mds[i * c.width + j]) == rows[i][j].get<std::string>());
            }
        }
    }
}

TEST_CASE("poseidon round numbers match neptune's known-values table", "[field][poseidon]")
{
    // neptune round_numbers.rs test_round_numbers_against_known_values: t -> R_P, R_F = 8.
    const std::pair<unsigned, unsigned> cases[] = {{2, 55},  {3, 55},  {4, 56},  {5, 56},  {6, 56},  {7, 56},  {8, 57},
                                                   {9, 57},  {10, 57}, {11, 57}, {12, 57}, {13, 57}, {14, 57}, {15, 57},
                                                   {16, 59}, {17, 59}, {25, 59}, {37, 60}, {65, 61}};
    for (auto [t, rp] : cases) {
        const auto rounds = dmc::poseidon_round_numbers(t - 1, PoseidonStrength::standard);
        INFO("t = " << t);
        CHECK(rounds.full_rounds == 8);
        CHECK(rounds.partial_rounds == rp);
    }
}

TEST_CASE("poseidon_round_constants_file_t9: neptune's parameter file", "[field][poseidon][vectors]")
{
    const auto &v = use_vector("poseidon", "poseidon_round_constants_file_t9");
    const auto &e = v.at("expected");
    const PoseidonConstants &c = dmc::poseidon_constants(8);
    REQUIRE(c.round_constants.size() == e.at("count").get<size_t>());
    CHECK(be_hex(c.round_constants[0]) == e.at("first_be_hex").get<std::string>());
    CHECK(be_hex(c.round_constants[1]) == e.at("second_be_hex").get<std::string>());
    CHECK(be_hex(c.round_constants.back()) == e.at("last_be_hex").get<std::string>());
    // The full list is compared element by element in the arity-8 params test.
    CHECK(e.at("all_match_poseidon_params_arity8").get<bool>());
    CHECK(v.at("inputs").at("grain_init").at("R_P").get<unsigned>() == c.partial_rounds);
}

TEST_CASE("poseidon_domain_tags", "[field][poseidon][vectors]")
{
    const auto &e = use_vector("poseidon", "poseidon_domain_tags").at("expected");
    CHECK(hex_of(dmc::poseidon_merkle_tree_tag(2)) == e.at("merkle_tree_arity2_le_hex").get<std::string>());
    CHECK(hex_of(dmc::poseidon_merkle_tree_tag(8)) == e.at("merkle_tree_arity8_le_hex").get<std::string>());
    CHECK(hex_of(dmc::poseidon_merkle_tree_tag(11)) == e.at("merkle_tree_arity11_le_hex").get<std::string>());
    CHECK(hex_of(dmc::poseidon_merkle_tree_tag(36)) == e.at("merkle_tree_arity36_le_hex").get<std::string>());
    CHECK(hex_of(dmc::poseidon_constant_length_tag(4)) == e.at("constant_length_4_le_hex").get<std::string>());
    CHECK(hex_of(dmc::poseidon_custom_tag(1)) == e.at("custom_1_gen_randomness_le_hex").get<std::string>());
    CHECK(hex_of(dmc::poseidon_encryption_tag()) == e.at("encryption_le_hex").get<std::string>());
    CHECK(hex_of(dmc::poseidon_sponge_tag()) == e.at("sponge_le_hex").get<std::string>());
}

TEST_CASE("neptune_hash_values_standard_*: MerkleTree tag, preimage 0..a-1", "[field][poseidon][vectors]")
{
    for (unsigned arity : {2u, 4u, 8u, 11u, 16u, 24u, 36u}) {
        const auto &v = use_vector("poseidon", "neptune_hash_values_standard_arity" + std::to_string(arity));
        INFO("arity " << arity);
        REQUIRE(v.at("inputs").at("arity").get<unsigned>() == arity);
        const auto inputs = small_ints(v.at("inputs").at("preimage_ints"));
        const PoseidonConstants &c = dmc::poseidon_constants(arity);
        const Fr out = hash_both(c, dmc::poseidon_merkle_tree_tag(arity), inputs);
        CHECK(out == dmc::poseidon_hash(arity, inputs));
        check_output(out, v.at("expected"));
    }
}

TEST_CASE("neptune_hash_values_strengthened_*", "[field][poseidon][vectors]")
{
    for (unsigned arity : {2u, 4u, 8u, 11u, 16u, 24u, 36u}) {
        const auto &v = use_vector("poseidon", "neptune_hash_values_strengthened_arity" + std::to_string(arity));
        INFO("arity " << arity);
        const PoseidonConstants &c = dmc::poseidon_constants(arity, PoseidonStrength::strengthened);
        CHECK(c.full_rounds == v.at("inputs").at("R_F").get<unsigned>());
        CHECK(c.partial_rounds == v.at("inputs").at("R_P").get<unsigned>());
        const auto inputs = small_ints(v.at("inputs").at("preimage_ints"));
        check_output(hash_both(c, dmc::poseidon_merkle_tree_tag(arity), inputs), v.at("expected"));
    }
}

TEST_CASE("poseidon_round_trace_arity2: plain per-round states", "[field][poseidon][vectors]")
{
    const auto &v = use_vector("poseidon", "poseidon_round_trace_arity2");
    const PoseidonConstants &c = dmc::poseidon_constants(v.at("inputs").at("arity").get<unsigned>());
    const auto initial = dmc::test::frs_from_hex(v.at("inputs").at("initial_state_le_hex"));
    const auto &rounds = v.at("expected").at("state_after_round_le_hex");
    REQUIRE(rounds.size() == c.full_rounds + c.partial_rounds);
    std::vector<Fr> state = initial;
    unsigned seen = 0;
    dmc::poseidon_permute_plain(c, state, [&](unsigned round, std::span<const Fr> s) {
        REQUIRE(round == seen);
        for (size_t i = 0; i < s.size(); ++i) REQUIRE(hex_of(s[i]) == rounds[round][i].get<std::string>());
        ++seen;
    });
    CHECK(seen == rounds.size());
    CHECK(hex_of(state[1]) == v.at("expected").at("output_le_hex").get<std::string>());
    std::vector<Fr> fast = initial;
    dmc::poseidon_permute(c, fast);
    CHECK(fast == state); // the optimised form ends in the same state
}

TEST_CASE("poseidon_final_state_*: whole final state, both forms", "[field][poseidon][vectors]")
{
    for (const char *name : {"poseidon_final_state_arity11", "poseidon_final_state_arity8_zeros"}) {
        const auto &v = use_vector("poseidon", name);
        INFO(name);
        const PoseidonConstants &c = dmc::poseidon_constants(v.at("inputs").at("arity").get<unsigned>());
        const auto initial = dmc::test::frs_from_hex(v.at("inputs").at("initial_state_le_hex"));
        const auto expected = dmc::test::frs_from_hex(v.at("expected").at("final_state_le_hex"));
        std::vector<Fr> plain = initial, fast = initial;
        dmc::poseidon_permute_plain(c, plain);
        dmc::poseidon_permute(c, fast);
        CHECK(plain == expected);
        CHECK(fast == expected);
        CHECK(hex_of(fast[1]) == v.at("expected").at("output_le_hex").get<std::string>());
    }
}

TEST_CASE("filecoin_hashers_test_poseidon_hasher: binary Poseidon tree", "[field][poseidon][vectors]")
{
    const auto &v = use_vector("poseidon", "filecoin_hashers_test_poseidon_hasher");
    REQUIRE(v.at("inputs").at("arity").get<unsigned>() == 2);
    const auto leaves = small_ints(v.at("inputs").at("leaves_fr"));
    REQUIRE(leaves.size() == 4);
    const PoseidonConstants &c = dmc::poseidon_constants(2);
    const Fr node_1_0 = hash_both(c, c.merkle_tree_tag, {leaves[0], leaves[1]});
    const Fr node_1_1 = hash_both(c, c.merkle_tree_tag, {leaves[2], leaves[3]});
    const Fr root = hash_both(c, c.merkle_tree_tag, {node_1_0, node_1_1});
    const auto &e = v.at("expected");
    CHECK(hex_of(node_1_0) == e.at("node_1_0_le_hex").get<std::string>());
    CHECK(hex_of(node_1_1) == e.at("node_1_1_le_hex").get<std::string>());
    CHECK(hex_of(root) == e.at("root_le_hex").get<std::string>());
    CHECK(dmc::poseidon_hash2(node_1_0, node_1_1) == root);

    // sdr.json carries the same upstream test (docs/algorithms.md §10).
    const auto &sdr = use_vector("sdr", "poseidon_arity2_tree");
    REQUIRE(small_ints(sdr.at("inputs").at("leaves_fr")) == leaves);
    CHECK(hex_of(node_1_0) == sdr.at("expected").at("node_hash_1_0_hex").get<std::string>());
    CHECK(hex_of(root) == sdr.at("expected").at("root_hex").get<std::string>());
}

TEST_CASE("poseidon_misc_derived: spot values, MerkleTree and gen-randomness tags", "[field][poseidon][vectors]")
{
    const auto &e = use_vector("poseidon", "poseidon_misc_derived").at("expected");
    const Fr genrand = dmc::poseidon_custom_tag(1);
    const PoseidonConstants &c2 = dmc::poseidon_constants(2);
    std::vector<Fr> p8(8), p11(11);
    for (unsigned i = 0; i < 8; ++i) p8[i] = Fr::from_u64(i);
    for (unsigned i = 0; i < 11; ++i) p11[i] = Fr::from_u64(i + 1);
    const Fr f0 = Fr::zero(), f1 = Fr::one(), f2 = Fr::from_u64(2);
    CHECK(hex_of(hash_both(c2, c2.merkle_tree_tag, {f0, f0})) == e.at("p2_0_0_le_hex").get<std::string>());
    CHECK(hex_of(hash_both(c2, c2.merkle_tree_tag, {f1, f2})) == e.at("p2_1_2_le_hex").get<std::string>());
    CHECK(hex_of(hash_both(dmc::poseidon_constants(8), dmc::poseidon_merkle_tree_tag(8), p8)) ==
          e.at("p8_0_to_7_le_hex").get<std::string>());
    CHECK(hex_of(hash_both(dmc::poseidon_constants(11), dmc::poseidon_merkle_tree_tag(11), p11)) ==
          e.at("p11_1_to_11_le_hex").get<std::string>());
    CHECK(hex_of(hash_both(c2, genrand, {f0, f0})) == e.at("p2_gen_randomness_0_0_le_hex").get<std::string>());
    CHECK(hex_of(hash_both(c2, genrand, {f1, f2})) == e.at("p2_gen_randomness_1_2_le_hex").get<std::string>());
}

TEST_CASE("curio_poseidon_hash_multi_arity8: real 32GiB replica nodes", "[field][poseidon][vectors]")
{
    const auto &v = use_vector("poseidon", "curio_poseidon_hash_multi_arity8");
    REQUIRE(v.at("inputs").at("arity").get<unsigned>() == 8);
    const auto inputs = dmc::test::frs_from_hex(v.at("inputs").at("inputs_le_hex"));
    const PoseidonConstants &c = dmc::poseidon_constants(8);
    CHECK(hex_of(hash_both(c, c.merkle_tree_tag, inputs)) == v.at("expected").at("output_le_hex").get<std::string>());

    // Byte-level API on the same input.
    std::vector<uint8_t> bytes;
    for (const auto &h : v.at("inputs").at("inputs_le_hex")) {
        const auto b = dmc::test::hex_bytes(h);
        bytes.insert(bytes.end(), b.begin(), b.end());
    }
    auto out = dmc::poseidon_hash_bytes(8, bytes);
    REQUIRE(out.ok());
    CHECK(dmc::to_hex(*out) == v.at("expected").at("output_le_hex").get<std::string>());
    bytes[31] = 0xff; // first input now >= r: rejected, not reduced
    CHECK_FALSE(dmc::poseidon_hash_bytes(8, bytes).ok());
}
