// SPDX-License-Identifier: Apache-2.0
//
// The gpu plugin's DMC_HD arithmetic (plugins/gpu/fr_hd.hpp, poseidon_hd.hpp)
// compiled by g++ and compared with the sdk: Fr against the sdk's Fr (an
// independent CIOS in x86 assembly) and GMP, Poseidon of arity 2, 8 and 11
// against the sdk's optimised permutation and its plain HADES form. These run
// on every machine; the same source is what the CUDA kernels execute.
#include <catch2/catch.hpp>

#include <gmp.h>

#include <array>
#include <cstring>
#include <random>
#include <vector>

#include "damocles/sdk/fr.hpp"
#include "damocles/sdk/poseidon.hpp"
#include "fr_hd.hpp"
#include "poseidon_hd.hpp"
#include "poseidon_tables.hpp"

using namespace dmc;
using namespace dmc::gpu;

namespace {

// Canonical values: edges of the field and of the limbs, then random ones.
std::vector<std::array<uint64_t, 4>> test_values(size_t random_count)
{
    const auto r = kFrModulusLimbs;
    std::vector<std::array<uint64_t, 4>> out = {
        {0, 0, 0, 0},
        {1, 0, 0, 0},
        {2, 0, 0, 0},
        {~0ull, 0, 0, 0},
        {0, 1, 0, 0},
        {~0ull, ~0ull, ~0ull, 0},
        {r[0] - 1, r[1], r[2], r[3]},                 // r - 1
        {r[0] - 2, r[1], r[2], r[3]},                 // r - 2
        {0, 0, 0, r[3]},                              // just below r in the top limb
        {~0ull, ~0ull, ~0ull, 0x3fffffffffffffffull}, // 2^254 - 1 (largest fr32 node)
        {fr_detail::kR[0], fr_detail::kR[1], fr_detail::kR[2], fr_detail::kR[3]},
    };
    std::mt19937_64 rng(20240513);
    while (out.size() < random_count + 11) {
        std::array<uint64_t, 4> v = {rng(), rng(), rng(), rng()};
        if (out.size() % 2)
            v[3] >>= 1; // also values in [2^254, r)
        else
            v[3] &= 0x3fffffffffffffffull;
        Fr unused;
        uint8_t bytes[32];
        std::memcpy(bytes, v.data(), 32);
        if (Fr::try_from_bytes(bytes, unused)) out.push_back(v);
    }
    return out;
}

Fr sdk_fr(const std::array<uint64_t, 4> &canonical)
{
    auto fr = Fr::from_canonical_limbs(canonical);
    REQUIRE(fr.ok());
    return *fr;
}

FrHd hd_from_canonical(const std::array<uint64_t, 4> &canonical)
{
    return fr_to_montgomery(FrHd{{canonical[0], canonical[1], canonical[2], canonical[3]}});
}

std::array<uint64_t, 4> limbs(const FrHd &v) { return {v.l[0], v.l[1], v.l[2], v.l[3]}; }

void to_mpz(mpz_t out, const std::array<uint64_t, 4> &limbs) { mpz_import(out, 4, -1, 8, 0, 0, limbs.data()); }

} // namespace

TEST_CASE("FrHd: Montgomery conversion round-trips and matches the sdk", "[gpu][fr]")
{
    for (const auto &v : test_values(200)) {
        const FrHd m = hd_from_canonical(v);
        CHECK(limbs(m) == sdk_fr(v).montgomery_limbs());
        CHECK(limbs(fr_from_montgomery(m)) == v);
        CHECK(fr_canonical_valid(FrHd{{v[0], v[1], v[2], v[3]}}));
    }
}

TEST_CASE("FrHd: canonical check refuses r and above, like the sdk", "[gpu][fr]")
{
    const auto r = kFrModulusLimbs;
    const std::array<uint64_t, 4> invalid[] = {
        r, {r[0] + 1, r[1], r[2], r[3]}, {0, 0, 0, r[3] + 1}, {~0ull, ~0ull, ~0ull, ~0ull}, {0, 0, 0, 1ull << 63}};
    for (const auto &v : invalid) {
        uint8_t bytes[32];
        std::memcpy(bytes, v.data(), 32);
        CHECK_FALSE(fr_bytes_valid(bytes));
        CHECK_FALSE(fr_canonical_valid(FrHd{{v[0], v[1], v[2], v[3]}}));
    }
}

TEST_CASE("FrHd: mul, add, sub equal the sdk's Fr and GMP on edges and random values", "[gpu][fr]")
{
    const auto values = test_values(300);
    mpz_t modulus, a, b, expected, got;
    mpz_inits(modulus, a, b, expected, got, nullptr);
    to_mpz(modulus, kFrModulusLimbs);
    size_t pairs = 0;
    for (size_t i = 0; i < values.size(); ++i) {
        // Every edge with every value, and random values with a neighbour.
        for (size_t j = 0; j < values.size(); ++j) {
            if (i >= 11 && j >= 11 && j != i + 1) continue;
            const Fr sa = sdk_fr(values[i]), sb = sdk_fr(values[j]);
            const FrHd ha = hd_from_canonical(values[i]), hb = hd_from_canonical(values[j]);
            INFO("i " << i << " j " << j);
            CHECK(limbs(fr_mul(ha, hb)) == (sa * sb).montgomery_limbs());
            CHECK(limbs(fr_add(ha, hb)) == (sa + sb).montgomery_limbs());
            CHECK(limbs(fr_sub(ha, hb)) == (sa - sb).montgomery_limbs());
            CHECK(limbs(fr_pow5(ha)) == pow(sa, 5).montgomery_limbs());
            // GMP on canonical values: independent of both Montgomery codes.
            to_mpz(a, values[i]);
            to_mpz(b, values[j]);
            mpz_mul(expected, a, b);
            mpz_mod(expected, expected, modulus);
            to_mpz(got, limbs(fr_from_montgomery(fr_mul(ha, hb))));
            CHECK(mpz_cmp(expected, got) == 0);
            // Canonical-form addition (the encode kernel adds without converting).
            mpz_add(expected, a, b);
            mpz_mod(expected, expected, modulus);
            to_mpz(got, limbs(fr_add(FrHd{{values[i][0], values[i][1], values[i][2], values[i][3]}},
                                     FrHd{{values[j][0], values[j][1], values[j][2], values[j][3]}})));
            CHECK(mpz_cmp(expected, got) == 0);
            ++pairs;
        }
    }
    CHECK(pairs > 3000);
    mpz_clears(modulus, a, b, expected, got, nullptr);
}

TEST_CASE("PoseidonHd: the constants image is the sdk's, limb for limb", "[gpu][poseidon]")
{
    const PoseidonImage image = build_poseidon_image();
    for (unsigned arity : kGpuArities) {
        const PoseidonConstants &c = poseidon_constants(arity);
        const PoseidonLayout &l = image.layout(arity);
        CHECK(l.width == arity + 1);
        CHECK(l.full_rounds == 8);
        CHECK(l.partial_rounds == (arity == 2 ? 55u : 57u));
        CHECK(from_hd(l.tag) == poseidon_merkle_tree_tag(arity));
        CHECK(from_hd(image.elements[l.mds + 1]) == c.mds[1]);
        CHECK(from_hd(image.elements[l.sparse + c.sparse_matrices.size() - 1]) == c.sparse_matrices.back());
    }
}

template <unsigned kArity> void check_poseidon(size_t samples)
{
    const PoseidonImage image = build_poseidon_image();
    const PoseidonTableHd table = bind_poseidon_table(image.layout(kArity), image.elements.data());
    const PoseidonConstants &constants = poseidon_constants(kArity);
    const auto values = test_values(samples * kArity);
    for (size_t s = 0; s < samples; ++s) {
        std::vector<Fr> inputs(kArity);
        FrHd hd_inputs[kArity], canonical[kArity];
        for (unsigned i = 0; i < kArity; ++i) {
            // Edge values first (zeros, r-1, ...), then random ones.
            const auto &v = values[(s * kArity + i) % values.size()];
            inputs[i] = sdk_fr(v);
            hd_inputs[i] = hd_from_canonical(v);
            canonical[i] = FrHd{{v[0], v[1], v[2], v[3]}};
        }
        INFO("arity " << kArity << " sample " << s);
        const Fr expected = poseidon_hash(kArity, inputs);
        CHECK(from_hd(poseidon_hash_hd<kArity>(table, hd_inputs)) == expected);
        // The plain HADES form: independent of the optimised constants both use.
        std::vector<Fr> state(kArity + 1);
        state[0] = constants.merkle_tree_tag;
        for (unsigned i = 0; i < kArity; ++i) state[i + 1] = inputs[i];
        poseidon_permute_plain(constants, state);
        CHECK(state[1] == expected);
        // The kernels' form: canonical in, canonical out.
        const auto bytes = expected.to_bytes();
        const FrHd out = poseidon_hash_canonical_hd<kArity>(table, canonical);
        CHECK(std::memcmp(out.l, bytes.data(), 32) == 0);
    }
}

TEST_CASE("PoseidonHd: arity 2, 8, 11 equal the sdk's Poseidon", "[gpu][poseidon]")
{
    check_poseidon<2>(60);
    check_poseidon<8>(40);
    check_poseidon<11>(40);
}
