// SPDX-License-Identifier: Apache-2.0
//
// ChaCha against RFC 8439 and the rand_chacha reference keystream, and the
// rand_core BlockRng buffer semantics of ChaCha8Rng.
#include <catch2/catch.hpp>

#include "damocles/sdk/chacha.hpp"
#include "damocles/sdk/hex.hpp"

using namespace dmc;

TEST_CASE("ChaCha20 block of RFC 8439 section 2.3.2", "[sdr][chacha]")
{
    std::array<uint8_t, 32> key;
    for (size_t i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(i);
    const std::array<uint8_t, 12> nonce = {0, 0, 0, 9, 0, 0, 0, 0x4a, 0, 0, 0, 0};
    uint8_t block[64];
    chacha20_ietf_keystream(key, nonce, 1, block, sizeof block);
    CHECK(to_hex(std::span<const uint8_t>(block, 64)) ==
          "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
          "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e");
}

TEST_CASE("ChaCha20 keystream of RFC 8439 section 2.4.2 (two blocks, counter 1)", "[sdr][chacha]")
{
    std::array<uint8_t, 32> key;
    for (size_t i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(i);
    const std::array<uint8_t, 12> nonce = {0, 0, 0, 0, 0, 0, 0, 0x4a, 0, 0, 0, 0};
    const std::string plaintext = "Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
                                  "for the future, sunscreen would be it.";
    std::vector<uint8_t> stream(plaintext.size());
    chacha20_ietf_keystream(key, nonce, 1, stream.data(), stream.size());
    for (size_t i = 0; i < stream.size(); ++i) stream[i] ^= static_cast<uint8_t>(plaintext[i]);
    CHECK(to_hex(stream) == "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
                            "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
                            "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
                            "5af90bbf74a35be6b40b8eedf2785e42874d");
}

TEST_CASE("ChaCha20 with a zero key starts with the rand_chacha reference words", "[sdr][chacha]")
{
    // rand_chacha's test_chacha_true_values_a: 76b8e0ad a0f13d90 ... (u32 words).
    uint32_t state[16] = {0x61707865u, 0x3320646eu, 0x79622d32u, 0x6b206574u};
    uint32_t out[16];
    chacha_block(state, 20, out);
    CHECK(out[0] == 0xade0b876u);
    CHECK(out[1] == 0x903df1a0u);
    CHECK(out[2] == 0xe56a5d40u);
    CHECK(out[3] == 0x28bd8653u);
}

TEST_CASE("ChaCha8Rng: blocks in counter order, next_u64 low word first, across the 64-word buffer", "[sdr][chacha]")
{
    std::array<uint8_t, 32> seed{};
    for (size_t i = 0; i < 32; ++i) seed[i] = static_cast<uint8_t>(3 * i + 1);
    uint32_t key[8];
    for (int i = 0; i < 8; ++i)
        key[i] = uint32_t(seed[4 * i]) | uint32_t(seed[4 * i + 1]) << 8 | uint32_t(seed[4 * i + 2]) << 16 |
                 uint32_t(seed[4 * i + 3]) << 24;
    // Words of blocks 0..7 computed directly from the block function.
    std::vector<uint32_t> words;
    for (uint32_t counter = 0; counter < 8; ++counter) {
        uint32_t state[16] = {0x61707865u, 0x3320646eu, 0x79622d32u, 0x6b206574u, key[0],  key[1], key[2], key[3],
                              key[4],      key[5],      key[6],      key[7],      counter, 0,      0,      0};
        uint32_t out[16];
        chacha_block(state, 8, out);
        words.insert(words.end(), out, out + 16);
    }
    ChaCha8Rng a(seed);
    for (size_t i = 0; i < 100; ++i) REQUIRE(a.next_u32() == words[i]);

    // 63 single words, then a u64 straddling the refill: low = word 63, high = word 64.
    ChaCha8Rng b(seed);
    for (int i = 0; i < 63; ++i) b.next_u32();
    CHECK(b.next_u64() == (uint64_t(words[64]) << 32 | words[63]));
    CHECK(b.next_u32() == words[65]);

    ChaCha8Rng c(seed);
    CHECK(c.next_u64() == (uint64_t(words[1]) << 32 | words[0]));
}
