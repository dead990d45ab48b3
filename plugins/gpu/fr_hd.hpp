// SPDX-License-Identifier: Apache-2.0
//
// BLS12-381 scalar field Fr (docs/algorithms.md §8) for the CUDA kernels,
// written once for host and device: every function is DMC_HD, which is
// `__host__ __device__` under nvcc and empty under g++. The host build is what
// tests/unit/gpu compares with the sdk's Fr (damocles/sdk/fr.hpp) on machines
// without a GPU, so the device code is the same source that was checked.
//
// Representation as in the sdk: 4x64-bit limbs, least significant first,
// Montgomery form (R = 2^256 mod r) with the same limbs, so sdk constants can
// be copied bit for bit. Multiplication is CIOS with the "no final carry"
// shortcut (r's top limb < 2^63 - 1). Only plain C++ and __umul64hi are used:
// no inline PTX, so the code that runs on the GPU is the code the host tests
// ran, carries included (nvcc turns the 64-bit products into 32-bit IMADs).
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#define DMC_HD __host__ __device__ __forceinline__
#else
#define DMC_HD inline
#endif

namespace dmc::gpu {

struct FrHd {
    uint64_t l[4];
};

namespace fr_hd {

// r, least significant limb first (docs/algorithms.md §8.1).
#define DMC_FR_R0 0xffffffff00000001ull
#define DMC_FR_R1 0x53bda402fffe5bfeull
#define DMC_FR_R2 0x3339d80809a1d805ull
#define DMC_FR_R3 0x73eda753299d7d48ull
// -r^-1 mod 2^64.
#define DMC_FR_INV 0xfffffffeffffffffull

// R^2 mod r (canonical -> Montgomery) and R mod r (Montgomery one).
DMC_HD FrHd r_squared()
{
    return FrHd{{0xc999e990f3f29c6dull, 0x2b6cedcb87925c23ull, 0x05d314967254398full, 0x0748d9d99f59ff11ull}};
}
DMC_HD FrHd montgomery_one()
{
    return FrHd{{0x00000001fffffffeull, 0x5884b7fa00034802ull, 0x998c4fefecbc4ff5ull, 0x1824b159acc5056full}};
}

// High 64 bits of a * b.
DMC_HD uint64_t mul_hi(uint64_t a, uint64_t b)
{
#if defined(__CUDA_ARCH__)
    return __umul64hi(a, b);
#else
    return static_cast<uint64_t>((static_cast<unsigned __int128>(a) * b) >> 64);
#endif
}

// hi:lo = a * b + c + d (cannot overflow 128 bits: (2^64-1)^2 + 2(2^64-1) <
// 2^128). The carries are propagated the same way on host and device, so the
// host tests run the device's carry logic; only mul_hi differs.
DMC_HD uint64_t mul_add2(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t &hi)
{
    uint64_t lo = a * b;
    uint64_t high = mul_hi(a, b);
    lo += c;
    high += lo < c;
    lo += d;
    high += lo < d;
    hi = high;
    return lo;
}

// out = a + b + carry_in, returns the carry out (0 or 1).
DMC_HD uint64_t add_carry(uint64_t a, uint64_t b, uint64_t carry_in, uint64_t &out)
{
    const uint64_t s = a + b;
    const uint64_t c1 = s < a;
    out = s + carry_in;
    return c1 | (out < s);
}

// out = a - b - borrow_in, returns the borrow out (0 or 1).
DMC_HD uint64_t sub_borrow(uint64_t a, uint64_t b, uint64_t borrow_in, uint64_t &out)
{
    const uint64_t d = a - b;
    const uint64_t b1 = a < b;
    out = d - borrow_in;
    return b1 | (d < borrow_in);
}

// t - r when t >= r, else t (t < 2r); branch-free so that GPU threads of a
// warp never diverge on data.
DMC_HD FrHd reduce_once(const FrHd &t)
{
    FrHd d;
    uint64_t borrow = sub_borrow(t.l[0], DMC_FR_R0, 0, d.l[0]);
    borrow = sub_borrow(t.l[1], DMC_FR_R1, borrow, d.l[1]);
    borrow = sub_borrow(t.l[2], DMC_FR_R2, borrow, d.l[2]);
    borrow = sub_borrow(t.l[3], DMC_FR_R3, borrow, d.l[3]);
    const uint64_t keep_t = 0 - borrow; // all ones when t < r
    FrHd out;
    for (int i = 0; i < 4; ++i) out.l[i] = (t.l[i] & keep_t) | (d.l[i] & ~keep_t);
    return out;
}

} // namespace fr_hd

// a * b * R^-1 mod r (CIOS, the same schedule as the sdk's mont_mul_portable).
DMC_HD FrHd fr_mul(const FrHd &a, const FrHd &b)
{
    using fr_hd::mul_add2;
    const uint64_t r[4] = {DMC_FR_R0, DMC_FR_R1, DMC_FR_R2, DMC_FR_R3};
    uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int i = 0; i < 4; ++i) {
        const uint64_t bi = b.l[i];
        uint64_t carry_a, carry_m;
        t0 = mul_add2(a.l[0], bi, t0, 0, carry_a);
        const uint64_t m = t0 * DMC_FR_INV;
        mul_add2(m, r[0], t0, 0, carry_m); // low word is 0 by construction of m

        t1 = mul_add2(a.l[1], bi, t1, carry_a, carry_a);
        t0 = mul_add2(m, r[1], t1, carry_m, carry_m);

        t2 = mul_add2(a.l[2], bi, t2, carry_a, carry_a);
        t1 = mul_add2(m, r[2], t2, carry_m, carry_m);

        t3 = mul_add2(a.l[3], bi, t3, carry_a, carry_a);
        t2 = mul_add2(m, r[3], t3, carry_m, carry_m);

        t3 = carry_m + carry_a;
    }
    return fr_hd::reduce_once(FrHd{{t0, t1, t2, t3}});
}

DMC_HD FrHd fr_add(const FrHd &a, const FrHd &b)
{
    // a + b < 2r < 2^256: no carry out of the top limb.
    FrHd t;
    uint64_t carry = fr_hd::add_carry(a.l[0], b.l[0], 0, t.l[0]);
    carry = fr_hd::add_carry(a.l[1], b.l[1], carry, t.l[1]);
    carry = fr_hd::add_carry(a.l[2], b.l[2], carry, t.l[2]);
    fr_hd::add_carry(a.l[3], b.l[3], carry, t.l[3]);
    return fr_hd::reduce_once(t);
}

DMC_HD FrHd fr_sub(const FrHd &a, const FrHd &b)
{
    FrHd t;
    uint64_t borrow = fr_hd::sub_borrow(a.l[0], b.l[0], 0, t.l[0]);
    borrow = fr_hd::sub_borrow(a.l[1], b.l[1], borrow, t.l[1]);
    borrow = fr_hd::sub_borrow(a.l[2], b.l[2], borrow, t.l[2]);
    borrow = fr_hd::sub_borrow(a.l[3], b.l[3], borrow, t.l[3]);
    // On borrow add r back (masked, no branch).
    const uint64_t mask = 0 - borrow;
    FrHd out;
    uint64_t carry = fr_hd::add_carry(t.l[0], DMC_FR_R0 & mask, 0, out.l[0]);
    carry = fr_hd::add_carry(t.l[1], DMC_FR_R1 & mask, carry, out.l[1]);
    carry = fr_hd::add_carry(t.l[2], DMC_FR_R2 & mask, carry, out.l[2]);
    fr_hd::add_carry(t.l[3], DMC_FR_R3 & mask, carry, out.l[3]);
    return out;
}

DMC_HD FrHd fr_square(const FrHd &a) { return fr_mul(a, a); }

// x^5, the Poseidon S-box.
DMC_HD FrHd fr_pow5(const FrHd &x)
{
    const FrHd x2 = fr_square(x);
    return fr_mul(fr_square(x2), x);
}

// Canonical limbs (what LE32 bytes hold on a little-endian machine) < r?
DMC_HD bool fr_canonical_valid(const FrHd &c)
{
    const uint64_t r[4] = {DMC_FR_R0, DMC_FR_R1, DMC_FR_R2, DMC_FR_R3};
    uint64_t borrow = 0, unused;
    for (int i = 0; i < 4; ++i) borrow = fr_hd::sub_borrow(c.l[i], r[i], borrow, unused);
    return borrow != 0;
}

// Canonical (< r) -> Montgomery, and back.
DMC_HD FrHd fr_to_montgomery(const FrHd &canonical) { return fr_mul(canonical, fr_hd::r_squared()); }
DMC_HD FrHd fr_from_montgomery(const FrHd &montgomery) { return fr_mul(montgomery, FrHd{{1, 0, 0, 0}}); }

} // namespace dmc::gpu

#undef DMC_FR_R0
#undef DMC_FR_R1
#undef DMC_FR_R2
#undef DMC_FR_R3
#undef DMC_FR_INV
