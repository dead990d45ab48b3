// SPDX-License-Identifier: Apache-2.0
//
// BLS12-381 Fr (docs/algorithms.md §8) in 8 AVX-512 lanes with IFMA
// (vpmadd52luq/vpmadd52huq). Kernel header: include only from files of the
// avx512 kernel library.
//
// Representation: an FrVec holds 8 elements, each as 5 limbs of 52 bits
// (one __m512i per limb, lane j = element j), in Montgomery form with
// R = 2^260 (not the sdk's 2^256; only canonical bytes cross the boundary,
// so the two forms never meet). Values are not fully reduced: every FrVec
// is below 2r + 2^212 with limbs normalized to [0, 2^52), which is what the
// multiplier needs; canonical bytes come out of to_canonical().
//
// Why this is enough (r < 2^255, R = 2^260, so r/R < 1/32): a Montgomery
// reduction of T returns (T + m·r)/R < T/R + r. A product of two values
// below 3.02r (a state value plus a constant, the S-box input) gives a
// result below 1.29r; a dot product of t <= 12 state values (< 2.01r) with
// constants (< r) gives T < 24.2r² and a result below 1.76r. A state value
// plus a product (add(), s_j + v_j·s0 of the partial rounds) is reduced by
// subtracting 2r whenever its top limb alone shows it is >= 2r, which keeps
// it below 2r + 2^211. Accumulator columns receive at most ~130 terms below
// 2^52 and never overflow 64 bits.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "damocles/sdk/fr.hpp"

namespace dmc::avx512::ifma {

inline constexpr unsigned kLimbs = 5;
inline constexpr uint64_t kMask52 = (uint64_t(1) << 52) - 1;

// The 256-bit value of four u64 words as five 52-bit limbs.
struct Limbs52 {
    uint64_t l[kLimbs];
};
constexpr Limbs52 split52(const uint64_t w[4])
{
    return {{w[0] & kMask52, ((w[0] >> 52) | (w[1] << 12)) & kMask52, ((w[1] >> 40) | (w[2] << 24)) & kMask52,
             ((w[2] >> 28) | (w[3] << 36)) & kMask52, w[3] >> 16}};
}

inline constexpr Limbs52 kModulus52 = split52(fr_detail::kModulus);
// -r^-1 mod 2^52 (the sdk's -r^-1 mod 2^64, truncated).
inline constexpr uint64_t kInv52 = fr_detail::kInv & kMask52;
// floor(2r / 2^208) = r >> 207: a sum whose top limb exceeds this is >= 2r.
inline constexpr uint64_t kTwoRTop = fr_detail::kModulus[3] >> 15;

// Lane shifts. The maskz forms with every lane selected are the same
// instructions; GCC 12's plain _mm512_s[lr][la]i_epi64 expand through
// _mm512_undefined_epi32() and warn (-Wuninitialized) at every use.
__attribute__((always_inline)) inline __m512i shift_left(__m512i x, unsigned bits)
{
    return _mm512_maskz_slli_epi64(__mmask8(0xff), x, bits);
}
__attribute__((always_inline)) inline __m512i shift_right(__m512i x, unsigned bits)
{
    return _mm512_maskz_srli_epi64(__mmask8(0xff), x, bits);
}
__attribute__((always_inline)) inline __m512i shift_right_signed(__m512i x, unsigned bits)
{
    return _mm512_maskz_srai_epi64(__mmask8(0xff), x, bits);
}

// A constant broadcast to all lanes: 5 limbs of its Montgomery-2^260 form.
struct FrScalar {
    uint64_t l[kLimbs];
};

struct FrVec {
    __m512i l[kLimbs];
};

// Product-domain accumulator: 10 columns of 52-bit weight, unnormalized.
struct Wide {
    __m512i t[2 * kLimbs];
};

__attribute__((always_inline)) inline Wide wide_zero()
{
    Wide w;
    for (auto &t : w.t) t = _mm512_setzero_si512();
    return w;
}

// w += a·b (both vectors).
__attribute__((always_inline)) inline void mac(Wide &w, const FrVec &a, const FrVec &b)
{
#pragma GCC unroll 5
    for (unsigned i = 0; i < kLimbs; ++i) {
#pragma GCC unroll 5
        for (unsigned j = 0; j < kLimbs; ++j) {
            w.t[i + j] = _mm512_madd52lo_epu64(w.t[i + j], a.l[i], b.l[j]);
            w.t[i + j + 1] = _mm512_madd52hi_epu64(w.t[i + j + 1], a.l[i], b.l[j]);
        }
    }
}

// w += a·c (c broadcast).
__attribute__((always_inline)) inline void mac(Wide &w, const FrVec &a, const FrScalar &c)
{
#pragma GCC unroll 5
    for (unsigned j = 0; j < kLimbs; ++j) {
        const __m512i cj = _mm512_set1_epi64(static_cast<long long>(c.l[j]));
#pragma GCC unroll 5
        for (unsigned i = 0; i < kLimbs; ++i) {
            w.t[i + j] = _mm512_madd52lo_epu64(w.t[i + j], a.l[i], cj);
            w.t[i + j + 1] = _mm512_madd52hi_epu64(w.t[i + j + 1], a.l[i], cj);
        }
    }
}

// Carries limbs 0..3 into the next (arithmetic shift: limbs may be
// negative after a subtraction as long as the value is not).
__attribute__((always_inline)) inline void normalize(FrVec &x)
{
    const __m512i mask = _mm512_set1_epi64(static_cast<long long>(kMask52));
#pragma GCC unroll 4
    for (unsigned i = 0; i + 1 < kLimbs; ++i) {
        x.l[i + 1] = _mm512_add_epi64(x.l[i + 1], shift_right_signed(x.l[i], 52));
        x.l[i] = _mm512_and_si512(x.l[i], mask);
    }
}

// Montgomery reduction: w·2^-260 mod r (not fully reduced), normalized.
__attribute__((always_inline)) inline FrVec redc(Wide &w)
{
    const __m512i zero = _mm512_setzero_si512();
    const __m512i inv = _mm512_set1_epi64(static_cast<long long>(kInv52));
#pragma GCC unroll 5
    for (unsigned i = 0; i < kLimbs; ++i) {
        const __m512i m = _mm512_madd52lo_epu64(zero, w.t[i], inv);
#pragma GCC unroll 5
        for (unsigned k = 0; k < kLimbs; ++k) {
            const __m512i rk = _mm512_set1_epi64(static_cast<long long>(kModulus52.l[k]));
            w.t[i + k] = _mm512_madd52lo_epu64(w.t[i + k], m, rk);
            w.t[i + k + 1] = _mm512_madd52hi_epu64(w.t[i + k + 1], m, rk);
        }
        // The low 52 bits of column i are now zero; its carry moves up.
        w.t[i + 1] = _mm512_add_epi64(w.t[i + 1], shift_right(w.t[i], 52));
    }
    FrVec out;
    for (unsigned i = 0; i < kLimbs; ++i) out.l[i] = w.t[kLimbs + i];
    normalize(out);
    return out;
}

__attribute__((always_inline)) inline FrVec mul(const FrVec &a, const FrVec &b)
{
    Wide w = wide_zero();
    mac(w, a, b);
    return redc(w);
}

__attribute__((always_inline)) inline FrVec mul(const FrVec &a, const FrScalar &c)
{
    Wide w = wide_zero();
    mac(w, a, c);
    return redc(w);
}

// a + c for the S-box input (< 3.02r: no reduction needed before a product).
__attribute__((always_inline)) inline FrVec add_unreduced(const FrVec &a, const FrScalar &c)
{
    FrVec out;
    for (unsigned i = 0; i < kLimbs; ++i)
        out.l[i] = _mm512_add_epi64(a.l[i], _mm512_set1_epi64(static_cast<long long>(c.l[i])));
    normalize(out);
    return out;
}

// a + b for a state value a and a product b (< 1.8r), minus 2r when the
// top limb shows the sum is >= 2r: the result stays below 2r + 2^211.
__attribute__((always_inline)) inline FrVec add(const FrVec &a, const FrVec &b)
{
    FrVec s;
    for (unsigned i = 0; i < kLimbs; ++i) s.l[i] = _mm512_add_epi64(a.l[i], b.l[i]);
    const __mmask8 big = _mm512_cmpgt_epu64_mask(s.l[4], _mm512_set1_epi64(static_cast<long long>(kTwoRTop)));
    // 2r limb by limb (2·r_i may exceed 52 bits; normalize() sorts that out).
    for (unsigned i = 0; i < kLimbs; ++i)
        s.l[i] =
            _mm512_mask_sub_epi64(s.l[i], big, s.l[i], _mm512_set1_epi64(static_cast<long long>(2 * kModulus52.l[i])));
    normalize(s);
    return s;
}

// a², with each cross product a_i·a_j (i < j) formed once and doubled: 30
// madd52 instead of the 50 of mul(a, a) (the S-box is two squarings and a
// product). Columns stay far below 2^64: at most 2·2·3 + 2 terms of 52 bits.
__attribute__((always_inline)) inline FrVec square(const FrVec &a)
{
    Wide w = wide_zero();
#pragma GCC unroll 5
    for (unsigned i = 0; i < kLimbs; ++i) {
#pragma GCC unroll 5
        for (unsigned j = i + 1; j < kLimbs; ++j) {
            w.t[i + j] = _mm512_madd52lo_epu64(w.t[i + j], a.l[i], a.l[j]);
            w.t[i + j + 1] = _mm512_madd52hi_epu64(w.t[i + j + 1], a.l[i], a.l[j]);
        }
    }
    // Columns 1..8 hold cross products (0 and 9 none): doubled.
#pragma GCC unroll 8
    for (unsigned k = 1; k + 1 < 2 * kLimbs; ++k) w.t[k] = _mm512_add_epi64(w.t[k], w.t[k]);
#pragma GCC unroll 5
    for (unsigned i = 0; i < kLimbs; ++i) {
        w.t[2 * i] = _mm512_madd52lo_epu64(w.t[2 * i], a.l[i], a.l[i]);
        w.t[2 * i + 1] = _mm512_madd52hi_epu64(w.t[2 * i + 1], a.l[i], a.l[i]);
    }
    return redc(w);
}

// x^5, the Poseidon S-box.
__attribute__((always_inline)) inline FrVec sbox(const FrVec &x)
{
    const FrVec x2 = square(x);
    const FrVec x4 = square(x2);
    return mul(x4, x);
}

// Conversions (fr_ifma.cpp).

// Montgomery-2^260 form of an sdk element, for constants.
FrScalar scalar_from(const Fr &value);
// The lanes of `count` (1..8) canonical elements at bytes + 32·j; lanes
// past count are zero. Returns the lanes whose bytes are >= r (not field
// elements), which are left unconverted.
__mmask8 load_canonical(const uint8_t *bytes, unsigned count, FrVec &out);
// Montgomery form of canonical limbs (load_canonical's output).
FrVec to_montgomery(const FrVec &canonical);
// Canonical limbs (< r) of Montgomery values.
FrVec to_canonical(const FrVec &montgomery);
// Writes lanes 0..count-1 of canonical limbs as 32-byte LE elements.
void store_canonical(const FrVec &canonical, unsigned count, uint8_t *bytes);

// Broadcast of one constant into all lanes.
FrVec broadcast(const FrScalar &c);

} // namespace dmc::avx512::ifma
