// SPDX-License-Identifier: Apache-2.0
//
// The two ChaCha variants SDR needs (docs/algorithms.md §6.2, §12.4):
//  - ChaCha8Rng reproduces rand_chacha 0.3 `ChaCha8Rng::from_seed`: 8 rounds,
//    a 64-bit block counter in state words 12/13 and stream id 0 in words
//    14/15, output consumed as u32 words in keystream order through rand_core's
//    BlockRng over a 64-word (4-block) buffer. It drives DRG bucket sampling.
//  - chacha20_ietf_keystream is RFC 8439 ChaCha20 (32-bit counter in word 12,
//    96-bit nonce in words 13..15), used by synthetic PoRep challenges.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace dmc {

// One ChaCha block function: `out` = rounds(state) + state, as 16 u32 words.
// `rounds` must be even (8, 12 or 20).
void chacha_block(const uint32_t state[16], unsigned rounds, uint32_t out[16]);

class ChaCha8Rng {
public:
    explicit ChaCha8Rng(const std::array<uint8_t, 32> &seed);

    uint32_t next_u32();
    // Two consecutive words, the first one is the low half (rand_core BlockRng).
    uint64_t next_u64();

private:
    static constexpr unsigned kBufferWords = 64; // rand_chacha refills 4 blocks at a time
    uint32_t key_[8];
    uint64_t base_block_ = 0; // block counter of buffer_[0]
    bool started_ = false;
    uint32_t buffer_[kBufferWords];
    unsigned generated_ = 0;        // words of buffer_ computed so far (lazily, per block)
    unsigned index_ = kBufferWords; // next word to hand out; == kBufferWords: buffer empty

    void refill();
    uint32_t word(unsigned i);
};

// Writes `len` bytes of the RFC 8439 ChaCha20 keystream for (key, nonce),
// starting at block `counter`.
void chacha20_ietf_keystream(const std::array<uint8_t, 32> &key, const std::array<uint8_t, 12> &nonce, uint32_t counter,
                             uint8_t *out, size_t len);

} // namespace dmc
