// SPDX-License-Identifier: Apache-2.0
//
// SHA-256 block compression with the SHA extensions (SHA-NI), for K
// independent streams at once. Kernel header: include only from files of
// the avx512 kernel library (compiled with -msha -march=x86-64-v4).
//
// The state is kept in the instruction set's native layout, two registers
// ABEF and CDGH, from the prefix block to the final feed-forward; only
// digests are converted to bytes. A message block is four registers of four
// big-endian words each (already byte-swapped).
//
// Why K streams: sha256rnds2 has a latency of about 4 cycles and a
// throughput of about 1 per cycle, so one dependent chain leaves the unit
// idle most of the time. compress<K>() issues the rounds of K independent
// blocks interleaved quad by quad; the message schedules (sha256msg1/msg2),
// which do not depend on the state, fill the remaining slots.
#pragma once

#include <cstdint>
#include <utility>

#include "intrinsics.hpp"

namespace dmc::avx512 {

struct Sha256State {
    __m128i abef;
    __m128i cdgh;
};

// Byte order of a 16-byte load of four big-endian words.
inline __m128i sha_bswap_mask() { return _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL); }

inline __m128i load_be_words(const uint8_t *p)
{
    return _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p)), sha_bswap_mask());
}

alignas(64) inline constexpr uint32_t kSha256RoundConstants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

// The SHA-256 initial value in ABEF/CDGH layout.
inline Sha256State sha256_initial_state()
{
    // ABEF = (A, B, E, F) from the high lane down; CDGH likewise.
    return {_mm_set_epi32(0x6a09e667, static_cast<int>(0xbb67ae85), 0x510e527f, static_cast<int>(0x9b05688c)),
            _mm_set_epi32(0x3c6ef372, static_cast<int>(0xa54ff53a), 0x1f83d9ab, 0x5be0cd19)};
}

// Rounds 4q..4q+3 of one stream, and the schedule of words 4q+16..4q+19
// (written over words 4q..4q+3, which no later round reads).
template <int q> __attribute__((always_inline)) inline void quad_rounds(Sha256State &state, __m128i (&msg)[4])
{
    const __m128i wk =
        _mm_add_epi32(msg[q & 3], _mm_load_si128(reinterpret_cast<const __m128i *>(kSha256RoundConstants + 4 * q)));
    state.cdgh = _mm_sha256rnds2_epu32(state.cdgh, state.abef, wk);
    state.abef = _mm_sha256rnds2_epu32(state.abef, state.cdgh, _mm_shuffle_epi32(wk, 0x0e));
    if constexpr (q < 12) {
        const __m128i w0 = msg[q & 3], w1 = msg[(q + 1) & 3], w2 = msg[(q + 2) & 3], w3 = msg[(q + 3) & 3];
        const __m128i t = _mm_add_epi32(_mm_sha256msg1_epu32(w0, w1), _mm_alignr_epi8(w3, w2, 4));
        msg[q & 3] = _mm_sha256msg2_epu32(t, w3);
    }
}

// Rounds 4q..4q+3 of one stream from kept words: wk[t] = W[t] + K[t] of
// the block, t = 0..63 (a block whose schedule is already known, as for
// the repeated blocks of an SDR label): the rounds alone.
template <int q> __attribute__((always_inline)) inline void quad_rounds_replay(Sha256State &state, const uint32_t *wk)
{
    const __m128i words = _mm_load_si128(reinterpret_cast<const __m128i *>(wk + 4 * q));
    state.cdgh = _mm_sha256rnds2_epu32(state.cdgh, state.abef, words);
    state.abef = _mm_sha256rnds2_epu32(state.abef, state.cdgh, _mm_shuffle_epi32(words, 0x0e));
}

template <int q, int K, int P>
__attribute__((always_inline)) inline void all_quads(Sha256State (&a)[K], __m128i (&ma)[K][4], Sha256State (&b)[P],
                                                     __m128i (&mb)[P][4])
{
    if constexpr (q < 16) {
        for (int k = 0; k < K; ++k) quad_rounds<q>(a[k], ma[k]);
        for (int p = 0; p < P; ++p) quad_rounds<q>(b[p], mb[p]);
        all_quads<q + 1>(a, ma, b, mb);
    }
}

// One block for each of K streams of group a and P streams of group b, all
// interleaved quad by quad. msg[i][0..3] holds words 0..15 of stream i's
// block; it is overwritten by the schedule. (Two groups so that callers can
// mix chained streams with independent ones without copying state arrays.)
template <int K, int P>
__attribute__((always_inline)) inline void compress2(Sha256State (&a)[K], __m128i (&ma)[K][4], Sha256State (&b)[P],
                                                     __m128i (&mb)[P][4])
{
    Sha256State save_a[K], save_b[P];
    for (int k = 0; k < K; ++k) save_a[k] = a[k];
    for (int p = 0; p < P; ++p) save_b[p] = b[p];
    all_quads<0>(a, ma, b, mb);
    for (int k = 0; k < K; ++k) {
        a[k].abef = _mm_add_epi32(a[k].abef, save_a[k].abef);
        a[k].cdgh = _mm_add_epi32(a[k].cdgh, save_a[k].cdgh);
    }
    for (int p = 0; p < P; ++p) {
        b[p].abef = _mm_add_epi32(b[p].abef, save_b[p].abef);
        b[p].cdgh = _mm_add_epi32(b[p].cdgh, save_b[p].cdgh);
    }
}

// One block for each of K streams.
template <int K> __attribute__((always_inline)) inline void compress(Sha256State (&state)[K], __m128i (&msg)[K][4])
{
    Sha256State save[K];
    for (int k = 0; k < K; ++k) save[k] = state[k];
    [&]<int... q>(std::integer_sequence<int, q...>) __attribute__((always_inline))
    {
        (([&] __attribute__((always_inline)) {
             for (int k = 0; k < K; ++k) quad_rounds<q>(state[k], msg[k]);
         }()),
         ...);
    }
    (std::make_integer_sequence<int, 16>{});
    for (int k = 0; k < K; ++k) {
        state[k].abef = _mm_add_epi32(state[k].abef, save[k].abef);
        state[k].cdgh = _mm_add_epi32(state[k].cdgh, save[k].cdgh);
    }
}

// The 32-byte digest of a final state, with the two top bits of the last
// byte cleared when trunc254 (docs/algorithms.md §0: labels and tree_d nodes are Fr).
inline void store_digest(const Sha256State &s, uint8_t *out32, bool trunc254)
{
    const __m128i feba = _mm_shuffle_epi32(s.abef, 0x1b);
    const __m128i dchg = _mm_shuffle_epi32(s.cdgh, 0xb1);
    const __m128i dcba = _mm_blend_epi16(feba, dchg, 0xf0);
    const __m128i hgfe = _mm_alignr_epi8(dchg, feba, 8);
    __m128i lo = _mm_shuffle_epi8(dcba, sha_bswap_mask());
    __m128i hi = _mm_shuffle_epi8(hgfe, sha_bswap_mask());
    if (trunc254) hi = _mm_and_si128(hi, _mm_set_epi64x(0x3fffffffffffffffLL, -1LL));
    _mm_storeu_si128(reinterpret_cast<__m128i *>(out32), lo);
    _mm_storeu_si128(reinterpret_cast<__m128i *>(out32 + 16), hi);
}

} // namespace dmc::avx512
