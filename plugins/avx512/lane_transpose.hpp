// SPDX-License-Identifier: Apache-2.0
//
// Transposing 8 dword vectors between "word j of every lane" and "the 8
// words of one lane", for the word-sliced batch blocks (batch_layout.cpp)
// and for the lane kernel's SHA-NI prefix states (lane_label_kernel.cpp).
// The classic 8 x 8 dword transpose (unpack 32, unpack 64, exchange 128-bit
// halves): on ymm registers of 8 lanes register i ends up holding lane i;
// on zmm registers of 16 lanes the same steps transpose both 256-bit halves
// at once, so register i holds lane i (low half) and lane 8+i (high half).
// Each is its own inverse. Kernel header (AVX-512 flags).
#pragma once

#include "intrinsics.hpp"

namespace dmc::avx512 {

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

} // namespace dmc::avx512
