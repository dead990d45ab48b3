// SPDX-License-Identifier: Apache-2.0
//
// Copying labels between the batch blocks (batch_layout.hpp) and per-sector
// label bytes. The word arrangement is transposed with the classic 8 x 8
// dword transpose (unpack 32, unpack 64, exchange 128-bit halves): on a ymm
// register of 8 lanes it turns the 8 word vectors of a block into the 8
// labels; on a zmm register of 16 lanes the same steps transpose both
// 256-bit halves at once, giving lanes i and 8+i in register i.
#include "batch_layout.hpp"

#include <cstring>

#include "intrinsics.hpp"

namespace dmc::avx512 {

namespace {

// Byte order of a 16-byte lane of four big-endian words.
inline __m512i bswap_mask512()
{
    return _mm512_broadcast_i32x4(_mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL));
}

// 8 x 8 transpose of dwords in each 256-bit half of r[0..7].
inline void transpose8x8_halves(__m512i (&r)[8])
{
    __m512i t[8], u[8];
    for (int i = 0; i < 4; ++i) {
        t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; ++i) {
        u[4 * i + 0] = _mm512_unpacklo_epi64(t[4 * i + 0], t[4 * i + 2]);
        u[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i + 0], t[4 * i + 2]);
        u[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
        u[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
    }
    // Within each 256-bit half: low 128 bits of u[k] with low of u[k+4], and
    // high with high.
    const __m512i low = _mm512_set_epi64(13, 12, 5, 4, 9, 8, 1, 0);
    const __m512i high = _mm512_set_epi64(15, 14, 7, 6, 11, 10, 3, 2);
    for (int k = 0; k < 4; ++k) {
        r[k] = _mm512_permutex2var_epi64(u[k], low, u[k + 4]);
        r[k + 4] = _mm512_permutex2var_epi64(u[k], high, u[k + 4]);
    }
}

inline __m256i bswap_mask256() { return _mm512_castsi512_si256(bswap_mask512()); }

inline void transpose8x8(__m256i (&r)[8])
{
    __m256i t[8], u[8];
    for (int i = 0; i < 4; ++i) {
        t[2 * i] = _mm256_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 2; ++i) {
        u[4 * i + 0] = _mm256_unpacklo_epi64(t[4 * i + 0], t[4 * i + 2]);
        u[4 * i + 1] = _mm256_unpackhi_epi64(t[4 * i + 0], t[4 * i + 2]);
        u[4 * i + 2] = _mm256_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
        u[4 * i + 3] = _mm256_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
    }
    for (int k = 0; k < 4; ++k) {
        r[k] = _mm256_permute2x128_si256(u[k], u[k + 4], 0x20);
        r[k + 4] = _mm256_permute2x128_si256(u[k], u[k + 4], 0x31);
    }
}

void deinterleave_words16(const uint8_t *blocks, uint64_t count, uint8_t *const *outs)
{
    const __m512i mask = bswap_mask512();
    for (uint64_t v = 0; v < count; ++v) {
        const uint8_t *block = blocks + v * 512;
        __m512i r[8];
        for (int j = 0; j < 8; ++j) r[j] = _mm512_load_si512(block + 64 * j);
        transpose8x8_halves(r);
        for (int i = 0; i < 8; ++i) {
            const __m512i bytes = _mm512_shuffle_epi8(r[i], mask);
            if (outs[i]) _mm256_storeu_si256(reinterpret_cast<__m256i *>(outs[i] + 32 * v), _mm512_castsi512_si256(bytes));
            if (outs[i + 8])
                _mm256_storeu_si256(reinterpret_cast<__m256i *>(outs[i + 8] + 32 * v),
                                    _mm512_extracti64x4_epi64(bytes, 1));
        }
    }
}

void deinterleave_words8(const uint8_t *blocks, uint64_t count, uint8_t *const *outs)
{
    const __m256i mask = bswap_mask256();
    for (uint64_t v = 0; v < count; ++v) {
        const uint8_t *block = blocks + v * 256;
        __m256i r[8];
        for (int j = 0; j < 8; ++j) r[j] = _mm256_load_si256(reinterpret_cast<const __m256i *>(block + 32 * j));
        transpose8x8(r);
        for (int i = 0; i < 8; ++i)
            if (outs[i])
                _mm256_storeu_si256(reinterpret_cast<__m256i *>(outs[i] + 32 * v), _mm256_shuffle_epi8(r[i], mask));
    }
}

inline uint32_t load_be32(const uint8_t *p)
{
    uint32_t x;
    std::memcpy(&x, p, 4);
    return __builtin_bswap32(x);
}

} // namespace

void deinterleave(const BatchLayout &layout, const uint8_t *blocks, uint64_t count, uint8_t *const *outs)
{
    if (layout.arrangement == SlotArrangement::words) {
        if (layout.slots == 16) return deinterleave_words16(blocks, count, outs);
        return deinterleave_words8(blocks, count, outs);
    }
    const uint64_t pitch = layout.pitch();
    for (unsigned s = 0; s < layout.slots; ++s) {
        if (!outs[s]) continue;
        const uint8_t *from = blocks + 32 * s;
        uint8_t *to = outs[s];
        for (uint64_t v = 0; v < count; ++v) std::memcpy(to + 32 * v, from + v * pitch, 32);
    }
}

void interleave_slot(const BatchLayout &layout, const uint8_t *labels, uint64_t count, unsigned slot,
                     uint8_t *blocks)
{
    const uint64_t pitch = layout.pitch();
    if (layout.arrangement == SlotArrangement::bytes) {
        for (uint64_t v = 0; v < count; ++v) std::memcpy(blocks + v * pitch + 32 * slot, labels + 32 * v, 32);
        return;
    }
    for (uint64_t v = 0; v < count; ++v) {
        auto *words = reinterpret_cast<uint32_t *>(blocks + v * pitch);
        for (unsigned j = 0; j < 8; ++j) words[j * layout.slots + slot] = load_be32(labels + 32 * v + 4 * j);
    }
}

} // namespace dmc::avx512
