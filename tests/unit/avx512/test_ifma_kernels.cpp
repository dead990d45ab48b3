// SPDX-License-Identifier: Apache-2.0
//
// The avx512 plugin's 8-lane IFMA Fr and Poseidon, called directly (the
// test links the kernel library and calls it only after checking the CPU):
// products, sums and conversions against GMP, canonical-byte checks at the
// edges (r - 1, r, 2^256 - 1), partial lane counts, Poseidon of arity 2, 8
// and 11 against neptune's vectors and the sdk, and 11-layer column hashes
// (the 32GiB/64GiB tree_c leaves, too large for a stage test) against the
// sdk's hash_columns.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>

#include <gmp.h>

#include "damocles/sdk/poseidon.hpp"
#include "damocles/sdk/poseidon_tree.hpp"
#include "fr_ifma.hpp"
#include "plugin_runner.hpp"
#include "poseidon_ifma.hpp"
#include "tree_builder_ifma.hpp"
#include "vectors.hpp"

using namespace dmc;
using namespace dmc::test;
using namespace dmc::avx512::ifma;

namespace {

class Gmp {
public:
    Gmp()
    {
        mpz_inits(r_, a_, b_, t_, nullptr);
        mpz_import(r_, 4, -1, 8, 0, 0, fr_detail::kModulus);
    }
    ~Gmp() { mpz_clears(r_, a_, b_, t_, nullptr); }
    // (a op b) mod r on 32-byte LE values.
    Bytes32 mul(const uint8_t *a, const uint8_t *b) { return op(a, b, true); }
    Bytes32 add(const uint8_t *a, const uint8_t *b) { return op(a, b, false); }
    bool below_r(const uint8_t *a)
    {
        mpz_import(a_, 32, -1, 1, 0, 0, a);
        return mpz_cmp(a_, r_) < 0;
    }

private:
    mpz_t r_, a_, b_, t_;
    Bytes32 op(const uint8_t *a, const uint8_t *b, bool multiply)
    {
        mpz_import(a_, 32, -1, 1, 0, 0, a);
        mpz_import(b_, 32, -1, 1, 0, 0, b);
        if (multiply)
            mpz_mul(t_, a_, b_);
        else
            mpz_add(t_, a_, b_);
        mpz_mod(t_, t_, r_);
        Bytes32 out{};
        size_t count = 0;
        mpz_export(out.data(), &count, -1, 1, 0, 0, t_);
        return out;
    }
};

// 8 canonical elements: random, with the edges 0, 1, r-1 and 2^254-1 mixed in.
void random_elements(std::mt19937_64 &rng, uint8_t *bytes256)
{
    for (unsigned j = 0; j < 8; ++j) {
        uint8_t *e = bytes256 + 32 * j;
        for (unsigned i = 0; i < 32; ++i) e[i] = static_cast<uint8_t>(rng());
        e[31] &= 0x3f;
        const unsigned pick = static_cast<unsigned>(rng() % 16);
        if (pick <= 1) {
            std::memset(e, 0, 32);
            e[0] = static_cast<uint8_t>(pick);
        } else if (pick == 2) {
            std::memcpy(e, fr_detail::kModulus, 32);
            e[0] = 0; // r - 1 (r's low byte is 0x01)
        } else if (pick == 3) {
            std::memset(e, 0xff, 32);
            e[31] = 0x3f; // 2^254 - 1
        }
    }
}

FrVec montgomery_of(const uint8_t *bytes256)
{
    FrVec canonical;
    REQUIRE(load_canonical(bytes256, 8, canonical) == 0);
    return to_montgomery(canonical);
}

void to_bytes(const FrVec &montgomery, uint8_t *bytes256) { store_canonical(to_canonical(montgomery), 8, bytes256); }

} // namespace

TEST_CASE("ifma Fr: products and sums equal GMP's, through chains that exercise the lazy reduction", "[avx512][fr]")
{
    if (!avx512_stage_available(DMC_STAGE_TREE_C)) return;
    Gmp gmp;
    std::mt19937_64 rng(42);
    for (int round = 0; round < 200; ++round) {
        uint8_t a[256], b[256], got[256];
        random_elements(rng, a);
        random_elements(rng, b);
        for (unsigned j = 0; j < 8; ++j) REQUIRE((gmp.below_r(a + 32 * j) && gmp.below_r(b + 32 * j)));
        // x = a·b, then 40 rounds of x = x + a·b·x (a state value plus a product, as Poseidon's partial rounds).
        const FrVec va = montgomery_of(a), vb = montgomery_of(b);
        FrVec x = mul(va, vb);
        Bytes32 expected[8];
        for (unsigned j = 0; j < 8; ++j) expected[j] = gmp.mul(a + 32 * j, b + 32 * j);
        to_bytes(x, got);
        for (unsigned j = 0; j < 8; ++j)
            REQUIRE(to_hex(expected[j]) == to_hex(std::span<const uint8_t>(got + 32 * j, 32)));
        for (int step = 0; step < 40; ++step) {
            x = add(x, mul(mul(va, vb), x));
            for (unsigned j = 0; j < 8; ++j) {
                const Bytes32 ab = gmp.mul(a + 32 * j, b + 32 * j);
                const Bytes32 abx = gmp.mul(ab.data(), expected[j].data());
                expected[j] = gmp.add(expected[j].data(), abx.data());
            }
        }
        to_bytes(x, got);
        for (unsigned j = 0; j < 8; ++j)
            CHECK(to_hex(expected[j]) == to_hex(std::span<const uint8_t>(got + 32 * j, 32)));
    }
}

TEST_CASE("ifma Fr: square() gives mul(a, a) limb for limb, up to the S-box input bound, and GMP's a²", "[avx512][fr]")
{
    if (!avx512_stage_available(DMC_STAGE_TREE_C)) return;
    Gmp gmp;
    std::mt19937_64 rng(7);
    // r - 1 in every lane: the largest canonical value.
    uint8_t top[256];
    for (unsigned j = 0; j < 8; ++j) std::memcpy(top + 32 * j, fr_detail::kModulus, 32);
    for (unsigned j = 0; j < 8; ++j) top[32 * j] -= 1;
    const FrScalar near_r = scalar_from(Fr::from_u64(0) - Fr::one()); // r - 1 as a Montgomery constant
    auto same_limbs = [](const FrVec &x, const FrVec &y) {
        for (unsigned i = 0; i < kLimbs; ++i)
            if (_mm512_cmpneq_epu64_mask(x.l[i], y.l[i])) return false;
        return true;
    };
    for (int round = 0; round < 200; ++round) {
        uint8_t a[256], got[256];
        if (round == 0)
            std::memcpy(a, top, sizeof a);
        else
            random_elements(rng, a);
        const FrVec v = montgomery_of(a);
        const FrVec sq = square(v);
        REQUIRE(same_limbs(sq, mul(v, v)));
        to_bytes(sq, got);
        for (unsigned j = 0; j < 8; ++j)
            REQUIRE(to_hex(gmp.mul(a + 32 * j, a + 32 * j)) == to_hex(std::span<const uint8_t>(got + 32 * j, 32)));
        // Unreduced inputs as the S-box sees them: a state value (< 2r + 2^211) plus a constant.
        const FrVec big = add_unreduced(add(v, mul(v, v)), near_r);
        REQUIRE(same_limbs(square(big), mul(big, big)));
        REQUIRE(same_limbs(sbox(big), mul(mul(mul(big, big), mul(big, big)), big)));
    }
}

TEST_CASE("ifma Fr: canonical bytes in and out, at the edges and for partial lane counts", "[avx512][fr]")
{
    if (!avx512_stage_available(DMC_STAGE_TREE_C)) return;
    uint8_t bytes[256] = {};
    std::memcpy(bytes, fr_detail::kModulus, 32);      // lane 0: r
    std::memcpy(bytes + 32, fr_detail::kModulus, 32); // lane 1: r - 1
    bytes[32] = 0;                                    // (r's low byte is 0x01)
    std::memset(bytes + 64, 0xff, 32);                // lane 2: 2^256 - 1
    std::memcpy(bytes + 96, fr_detail::kModulus, 32); // lane 3: r + 1
    bytes[96] = 2;
    bytes[128] = 5; // lane 4: 5; lanes 5..7: 0
    FrVec v;
    CHECK(load_canonical(bytes, 8, v) == 0b1101);
    CHECK(load_canonical(bytes + 32, 1, v) == 0); // r - 1 alone
    CHECK(load_canonical(bytes, 1, v) == 0b1);
    // Round trip of r - 1, 5 and 0 through the Montgomery form; lanes past count untouched.
    uint8_t in[256] = {}, out[256];
    std::memcpy(in, bytes + 32, 32);
    in[32] = 5;
    REQUIRE(load_canonical(in, 3, v) == 0);
    std::memset(out, 0xaa, sizeof out);
    store_canonical(to_canonical(to_montgomery(v)), 3, out);
    CHECK(std::memcmp(out, in, 96) == 0);
    for (unsigned i = 96; i < 256; ++i) REQUIRE(out[i] == 0xaa);
}

TEST_CASE("ifma Poseidon: neptune's vectors and the sdk for arity 2, 8 and 11", "[avx512][poseidon]")
{
    if (!avx512_stage_available(DMC_STAGE_TREE_C)) return;
    for (unsigned arity : {2u, 8u, 11u}) {
        INFO("arity " << arity);
        const auto &v = use_vector("poseidon", "neptune_hash_values_standard_arity" + std::to_string(arity));
        const auto &c = poseidon_ifma_constants(arity);
        FrVec inputs[11];
        for (unsigned i = 0; i < arity; ++i) {
            uint8_t bytes[256] = {};
            for (unsigned j = 0; j < 8; ++j)
                bytes[32 * j] = static_cast<uint8_t>(as_u64(v.at("inputs").at("preimage_ints")[i]));
            inputs[i] = montgomery_of(bytes);
        }
        uint8_t out[256];
        to_bytes(poseidon_hash8(c, inputs), out);
        for (unsigned j = 0; j < 8; ++j)
            CHECK(to_hex(std::span<const uint8_t>(out + 32 * j, 32)) ==
                  v.at("expected").at("output_le_hex").get<std::string>());

        std::mt19937_64 rng(arity);
        for (int round = 0; round < 20; ++round) {
            std::vector<std::vector<Fr>> per_lane(8, std::vector<Fr>(arity));
            for (unsigned i = 0; i < arity; ++i) {
                uint8_t bytes[256];
                random_elements(rng, bytes);
                for (unsigned j = 0; j < 8; ++j) REQUIRE(Fr::try_from_bytes(bytes + 32 * j, per_lane[j][i]));
                inputs[i] = montgomery_of(bytes);
            }
            to_bytes(poseidon_hash8(c, inputs), out);
            for (unsigned j = 0; j < 8; ++j)
                CHECK(to_hex(poseidon_hash(arity, per_lane[j]).to_bytes()) ==
                      to_hex(std::span<const uint8_t>(out + 32 * j, 32)));
        }
    }
}

TEST_CASE("ifma column hashes of 2 and 11 layers equal the sdk's hash_columns", "[avx512][poseidon]")
{
    if (!avx512_stage_available(DMC_STAGE_TREE_C)) return;
    constexpr uint64_t kNodes = 512;
    for (unsigned layers : {2u, 11u}) {
        INFO(layers << " layers");
        std::vector<std::vector<uint8_t>> data;
        std::vector<const uint8_t *> pointers;
        for (unsigned l = 0; l < layers; ++l) data.push_back(test_staged_data(kNodes, 100 + l));
        for (const auto &d : data) pointers.push_back(d.data());
        std::vector<uint8_t> expected(kNodes * 32), got(kNodes * 32);
        REQUIRE(hash_columns(pointers, kNodes, expected.data()).ok());
        REQUIRE(avx512::hash_columns_ifma(pointers, kNodes, got.data()).ok());
        CHECK(expected == got);
        // A label >= r is refused, naming its layer and node.
        std::memset(data[layers - 1].data() + 32 * 77, 0xff, 32);
        auto bad = avx512::hash_columns_ifma(pointers, kNodes, got.data());
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.error().message.find("layer " + std::to_string(layers) + " at index 77") != std::string::npos);
    }
}

TEST_CASE("ifma base trees equal the sdk's in every stored layout", "[avx512][poseidon]")
{
    if (!avx512_stage_available(DMC_STAGE_TREE_C)) return;
    // 8^5 leaves: 8 chunks of 4096 and one row above them (first_row 0..3),
    // and 8^6 with first_row 5 (chunks of 8^5).
    const std::pair<unsigned, unsigned> cases[] = {{5, 0}, {5, 1}, {5, 3}, {6, 5}, {2, 0}, {1, 1}};
    for (auto [height, first_row] : cases) {
        INFO("height " << height << " first row " << first_row);
        const uint64_t leaves = uint64_t(1) << (3 * height);
        const auto data = test_staged_data(leaves, height * 10 + first_row);
        auto geometry = BaseTreeGeometry::for_leaves(leaves);
        REQUIRE(geometry.ok());
        std::vector<uint8_t> expected(32 * geometry->stored_nodes(first_row)), got(expected.size());
        auto root = build_base_tree(data.data(), leaves, expected.data(), first_row);
        REQUIRE(root.ok());
        for (unsigned threads : {1u, 3u}) {
            avx512::IfmaTreeOptions options;
            options.threads = threads;
            auto ifma_root = avx512::build_base_tree_ifma(avx512::TreeLeaves{{}, data.data()}, leaves, got.data(),
                                                          first_row, options);
            REQUIRE(ifma_root.ok());
            CHECK(*ifma_root == *root);
            CHECK(expected == got);
        }
    }
}
