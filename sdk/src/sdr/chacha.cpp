// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/chacha.hpp"

#include <algorithm>
#include <cstring>

namespace dmc {

namespace {

inline uint32_t rotl(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

inline void quarter_round(uint32_t &a, uint32_t &b, uint32_t &c, uint32_t &d)
{
    a += b;
    d ^= a;
    d = rotl(d, 16);
    c += d;
    b ^= c;
    b = rotl(b, 12);
    a += b;
    d ^= a;
    d = rotl(d, 8);
    c += d;
    b ^= c;
    b = rotl(b, 7);
}

inline uint32_t load_le32(const uint8_t *p)
{
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

// "expand 32-byte k"
constexpr uint32_t kSigma[4] = {0x61707865u, 0x3320646eu, 0x79622d32u, 0x6b206574u};

} // namespace

void chacha_block(const uint32_t state[16], unsigned rounds, uint32_t out[16])
{
    uint32_t x[16];
    std::memcpy(x, state, sizeof x);
    for (unsigned r = 0; r < rounds; r += 2) {
        quarter_round(x[0], x[4], x[8], x[12]);
        quarter_round(x[1], x[5], x[9], x[13]);
        quarter_round(x[2], x[6], x[10], x[14]);
        quarter_round(x[3], x[7], x[11], x[15]);
        quarter_round(x[0], x[5], x[10], x[15]);
        quarter_round(x[1], x[6], x[11], x[12]);
        quarter_round(x[2], x[7], x[8], x[13]);
        quarter_round(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; ++i) out[i] = x[i] + state[i];
}

ChaCha8Rng::ChaCha8Rng(const std::array<uint8_t, 32> &seed)
{
    for (int i = 0; i < 8; ++i) key_[i] = load_le32(seed.data() + 4 * i);
}

void ChaCha8Rng::refill()
{
    // The four blocks of a refill are only computed when a word of them is
    // read: SDR reads 20 words per seed, i.e. two of the four blocks.
    if (started_) base_block_ += kBufferWords / 16;
    started_ = true;
    generated_ = 0;
    index_ = 0;
}

uint32_t ChaCha8Rng::word(unsigned i)
{
    while (generated_ <= i) {
        const uint64_t counter = base_block_ + generated_ / 16;
        uint32_t state[16] = {
            kSigma[0], kSigma[1], kSigma[2], kSigma[3], key_[0], key_[1],           key_[2],
            key_[3],   key_[4],   key_[5],   key_[6],   key_[7], uint32_t(counter), uint32_t(counter >> 32),
            0,         0};
        chacha_block(state, 8, buffer_ + generated_);
        generated_ += 16;
    }
    return buffer_[i];
}

uint32_t ChaCha8Rng::next_u32()
{
    if (index_ >= kBufferWords) refill();
    return word(index_++);
}

uint64_t ChaCha8Rng::next_u64()
{
    // rand_core BlockRng::next_u64, including its buffer-boundary case.
    if (index_ + 1 < kBufferWords) {
        const uint64_t lo = word(index_), hi = word(index_ + 1);
        index_ += 2;
        return lo | hi << 32;
    }
    if (index_ >= kBufferWords) {
        const uint64_t lo = next_u32();
        const uint64_t hi = next_u32();
        return lo | hi << 32;
    }
    const uint64_t lo = word(index_);
    index_ = kBufferWords;
    const uint64_t hi = next_u32();
    return lo | hi << 32;
}

void chacha20_ietf_keystream(const std::array<uint8_t, 32> &key, const std::array<uint8_t, 12> &nonce, uint32_t counter,
                             uint8_t *out, size_t len)
{
    uint32_t state[16] = {kSigma[0], kSigma[1], kSigma[2], kSigma[3]};
    for (int i = 0; i < 8; ++i) state[4 + i] = load_le32(key.data() + 4 * i);
    state[12] = counter;
    for (int i = 0; i < 3; ++i) state[13 + i] = load_le32(nonce.data() + 4 * i);
    uint32_t block[16];
    uint8_t bytes[64];
    while (len > 0) {
        chacha_block(state, 20, block);
        for (int i = 0; i < 16; ++i)
            for (int b = 0; b < 4; ++b) bytes[4 * i + b] = uint8_t(block[i] >> (8 * b));
        const size_t n = std::min<size_t>(len, 64);
        std::memcpy(out, bytes, n);
        out += n;
        len -= n;
        ++state[12];
    }
}

} // namespace dmc
