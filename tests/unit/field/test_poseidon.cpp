// SPDX-License-Identifier: Apache-2.0
//
// Poseidon properties: the optimised permutation equals the plain HADES form
// on random states for every arity and both strengths, constants are built
// once and safely under concurrency, and misuse is refused.
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "damocles/sdk/poseidon.hpp"
#include "field_test_support.hpp"

using dmc::Fr;
using dmc::PoseidonStrength;

TEST_CASE("optimised and plain Poseidon permutations agree on random states", "[field][poseidon]")
{
    std::mt19937_64 rng(0x5eed0101);
    std::vector<unsigned> arities;
    for (unsigned a = 1; a <= 16; ++a) arities.push_back(a);
    // (Arity 64, the largest supported, takes seconds to preprocess: left out.)
    for (unsigned a : {24u, 36u}) arities.push_back(a);
    for (auto strength : {PoseidonStrength::standard, PoseidonStrength::strengthened}) {
        for (unsigned arity : arities) {
            const auto &c = dmc::poseidon_constants(arity, strength);
            INFO("arity " << arity << (strength == PoseidonStrength::standard ? " standard" : " strengthened"));
            REQUIRE(c.width == arity + 1);
            REQUIRE(c.round_constants.size() == (c.full_rounds + c.partial_rounds) * c.width);
            const int samples = arity <= 11 ? 12 : 3;
            for (int s = 0; s < samples; ++s) {
                std::vector<Fr> plain(c.width);
                for (auto &x : plain) x = dmc::test::random_fr(rng);
                if (s == 0) std::fill(plain.begin(), plain.end(), Fr::zero());
                std::vector<Fr> fast = plain;
                dmc::poseidon_permute_plain(c, plain);
                dmc::poseidon_permute(c, fast);
                REQUIRE(fast == plain);
            }
        }
    }
}

TEST_CASE("Poseidon hashes equal a plain permutation of [tag, inputs]", "[field][poseidon]")
{
    std::mt19937_64 rng(0x5eed0102);
    for (unsigned arity : {2u, 8u, 11u}) {
        const auto &c = dmc::poseidon_constants(arity);
        for (int s = 0; s < 20; ++s) {
            std::vector<Fr> inputs(arity);
            for (auto &x : inputs) x = dmc::test::random_fr(rng);
            const Fr tag = s % 2 ? dmc::poseidon_custom_tag(1) : dmc::poseidon_merkle_tree_tag(arity);
            std::vector<Fr> state{tag};
            state.insert(state.end(), inputs.begin(), inputs.end());
            dmc::poseidon_permute_plain(c, state);
            REQUIRE(dmc::poseidon_hash_tagged(arity, tag, inputs) == state[1]);
            if (s % 2 == 0) REQUIRE(dmc::poseidon_hash(arity, inputs) == state[1]);
        }
    }
}

TEST_CASE("Poseidon constants are built once, also under concurrent first use", "[field][poseidon]")
{
    // Arity 13 is used by no other test: its constants are built here, by
    // several threads at once.
    const std::vector<Fr> inputs(13, Fr::from_u64(7));
    std::vector<Fr> results(8);
    std::vector<const dmc::PoseidonConstants *> seen(8);
    std::vector<std::thread> threads;
    for (size_t t = 0; t < results.size(); ++t) {
        threads.emplace_back([&, t] {
            seen[t] = &dmc::poseidon_constants(13, PoseidonStrength::strengthened);
            results[t] = dmc::poseidon_hash_tagged(13, Fr::from_u64(t % 2), inputs, PoseidonStrength::strengthened);
        });
    }
    for (auto &t : threads) t.join();
    for (size_t t = 0; t < results.size(); ++t) {
        CHECK(seen[t] == seen[0]);
        CHECK(results[t] == results[t % 2]);
    }
    std::vector<Fr> state{Fr::one()};
    state.insert(state.end(), inputs.begin(), inputs.end());
    dmc::poseidon_permute_plain(*seen[0], state);
    CHECK(results[1] == state[1]);
}

TEST_CASE("Poseidon refuses unsupported arities, wrong input counts and non-canonical bytes", "[field][poseidon]")
{
    CHECK_THROWS_AS(dmc::poseidon_constants(0), std::invalid_argument);
    CHECK_THROWS_AS(dmc::poseidon_constants(dmc::kPoseidonMaxArity + 1), std::invalid_argument);
    const std::vector<Fr> three(3, Fr::one());
    CHECK_THROWS_AS(dmc::poseidon_hash(2, three), std::invalid_argument);
    std::vector<Fr> short_state(2);
    CHECK_THROWS_AS(dmc::poseidon_permute(dmc::poseidon_constants(2), short_state), std::invalid_argument);

    std::vector<uint8_t> bytes(64, 0);
    auto ok = dmc::poseidon_hash_bytes(2, bytes);
    REQUIRE(ok.ok());
    CHECK(*ok == dmc::poseidon_hash2(Fr::zero(), Fr::zero()).to_bytes());
    CHECK_FALSE(dmc::poseidon_hash_bytes(2, std::span<const uint8_t>(bytes).first(63)).ok());
    const auto r = dmc::fr_modulus_bytes();
    std::copy(r.begin(), r.end(), bytes.begin() + 32); // second input = r
    auto bad = dmc::poseidon_hash_bytes(2, bytes);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("input 1") != std::string::npos);
}
