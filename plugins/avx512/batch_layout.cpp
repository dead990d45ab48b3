// SPDX-License-Identifier: Apache-2.0
//
// Copying labels between the batch blocks (batch_layout.hpp) and per-sector
// label bytes. The word arrangement is transposed with lane_transpose.hpp:
// the 8 word vectors of a block become the labels of lanes i and 8+i in
// register i (16 lanes) or of lane i (8 lanes), then byte-swapped.
#include "batch_layout.hpp"

#include <cstring>

#include "intrinsics.hpp"
#include "lane_transpose.hpp"

namespace dmc::avx512 {

namespace {

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
            if (outs[i])
                _mm256_storeu_si256(reinterpret_cast<__m256i *>(outs[i] + 32 * v), _mm512_castsi512_si256(bytes));
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

void interleave_slot(const BatchLayout &layout, const uint8_t *labels, uint64_t count, unsigned slot, uint8_t *blocks)
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
