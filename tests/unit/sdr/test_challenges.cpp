// SPDX-License-Identifier: Apache-2.0
//
// Challenge reduction against GMP, and range properties of every kind.
#include <catch2/catch.hpp>

#include <random>

#include <gmp.h>

#include "damocles/sdk/challenges.hpp"

using namespace dmc;

namespace {

uint64_t gmp_challenge(const uint8_t *le32, uint64_t nodes)
{
    mpz_t x, m;
    mpz_inits(x, m, nullptr);
    mpz_import(x, 32, -1, 1, 0, 0, le32); // least significant byte first
    mpz_set_ui(m, nodes - 1);
    mpz_mod(x, x, m);
    const uint64_t r = mpz_get_ui(x) + 1;
    mpz_clears(x, m, nullptr);
    return r;
}

Bytes32 random32(std::mt19937_64 &rng)
{
    Bytes32 b;
    for (auto &x : b) x = static_cast<uint8_t>(rng());
    return b;
}

} // namespace

TEST_CASE("challenge reduction equals GMP's 256-bit mod (N-1) plus one", "[sdr][challenges]")
{
    std::mt19937_64 rng(15);
    for (int i = 0; i < 5000; ++i) {
        const Bytes32 h = random32(rng);
        const uint64_t nodes = uint64_t(1) << (2 + rng() % 30);
        CHECK(challenge_from_bytes(h.data(), nodes) == gmp_challenge(h.data(), nodes));
    }
    Bytes32 ones;
    ones.fill(0xff);
    CHECK(challenge_from_bytes(ones.data(), uint64_t(1) << 31) == gmp_challenge(ones.data(), uint64_t(1) << 31));
}

TEST_CASE("every challenge kind stays in [1, N-1]", "[sdr][challenges]")
{
    std::mt19937_64 rng(16);
    for (uint64_t nodes : {uint64_t(4), uint64_t(64), uint64_t(1) << 18, uint64_t(1) << 30}) {
        const Bytes32 rid = random32(rng), seed = random32(rng), comm_r = random32(rng);
        auto in_range = [&](const std::vector<uint64_t> &cs) {
            for (uint64_t c : cs) CHECK((c >= 1 && c < nodes));
        };
        in_range(interactive_challenges(rid, seed, nodes, 3, 18));
        in_range(ni_challenges(rid, comm_r, nodes, 125, 18));
        const uint64_t count = default_synthetic_challenge_count(nodes);
        in_range(synthetic_porep_challenges(rid, comm_r, seed, nodes, count, 9, 18));
        for (uint64_t i : synthetic_selected_indexes(rid, seed, count, 9, 18)) CHECK(i < count);
    }
    CHECK(default_synthetic_challenge_count(64) == 64);
    CHECK(default_synthetic_challenge_count(uint64_t(1) << 30) == (uint64_t(1) << 18));
}

TEST_CASE("synthetic selection of partition k continues the keystream of partition k-1", "[sdr][challenges]")
{
    std::mt19937_64 rng(17);
    const Bytes32 rid = random32(rng), seed = random32(rng);
    // 10 partitions x 18: indexes straddle the 16-word ChaCha blocks.
    std::vector<uint64_t> joined;
    for (uint32_t k = 0; k < 10; ++k) {
        const auto part = synthetic_selected_indexes(rid, seed, 1u << 18, k, 18);
        joined.insert(joined.end(), part.begin(), part.end());
    }
    CHECK(joined == synthetic_selected_indexes(rid, seed, 1u << 18, 0, 180));
}
