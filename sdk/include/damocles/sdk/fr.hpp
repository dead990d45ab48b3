// SPDX-License-Identifier: Apache-2.0
//
// The BLS12-381 scalar field Fr (docs/algorithms.md §8).
//
// Values are kept in Montgomery form (R = 2^256 mod r) so that a product costs
// one Montgomery multiplication; only canonical little-endian bytes/limbs are
// observable (every node on disk, in a commitment or in a vector is canonical
// LE32). Bytes are never reduced: an encoding >= r is rejected, as
// rust-fil-proofs does (bytes_into_fr / from_repr_vartime).
//
// The multiplication is portable 4x64-limb CIOS with unsigned __int128 and the
// "no final carry" shortcut (valid because the top limb of r is below
// 2^63 - 1). It is the reference that SIMD plugins measure themselves against.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <span>

#if defined(__x86_64__)
#include <x86intrin.h> // _addcarry_u64 / _subborrow_u64: plain adc/sbb, baseline x86-64
#endif

#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc {

namespace fr_detail {

using u128 = unsigned __int128;

// r, least significant limb first.
inline constexpr uint64_t kModulus[4] = {0xffffffff00000001ull, 0x53bda402fffe5bfeull, 0x3339d80809a1d805ull,
                                         0x73eda753299d7d48ull};
// -r^-1 mod 2^64.
inline constexpr uint64_t kInv = 0xfffffffeffffffffull;
// R mod r (the Montgomery form of 1) and R^2 mod r (converts canonical -> Montgomery).
inline constexpr uint64_t kR[4] = {0x00000001fffffffeull, 0x5884b7fa00034802ull, 0x998c4fefecbc4ff5ull,
                                   0x1824b159acc5056full};
inline constexpr uint64_t kR2[4] = {0xc999e990f3f29c6dull, 0x2b6cedcb87925c23ull, 0x05d314967254398full,
                                    0x0748d9d99f59ff11ull};

// a < r, limbs least significant first.
inline bool less_than_modulus(const uint64_t a[4])
{
    for (int i = 3; i >= 0; --i) {
        if (a[i] != kModulus[i]) return a[i] < kModulus[i];
    }
    return false;
}

// Add/subtract with carry. On x86-64 the intrinsics become adc/sbb; GCC's
// code for the same thing written with unsigned __int128 spills to the stack.
inline unsigned char add_carry(unsigned char carry, uint64_t a, uint64_t b, uint64_t *out)
{
#if defined(__x86_64__)
    unsigned long long sum;
    carry = _addcarry_u64(carry, a, b, &sum);
    *out = sum;
    return carry;
#else
    const u128 sum = static_cast<u128>(a) + b + carry;
    *out = static_cast<uint64_t>(sum);
    return static_cast<unsigned char>(sum >> 64);
#endif
}

inline unsigned char sub_borrow(unsigned char borrow, uint64_t a, uint64_t b, uint64_t *out)
{
#if defined(__x86_64__)
    unsigned long long difference;
    borrow = _subborrow_u64(borrow, a, b, &difference);
    *out = difference;
    return borrow;
#else
    const u128 difference = static_cast<u128>(a) - b - borrow;
    *out = static_cast<uint64_t>(difference);
    return static_cast<unsigned char>((difference >> 64) & 1);
#endif
}

// out = t - r if t >= r else t; t < 2r.
inline void reduce_once(uint64_t out[4], const uint64_t t[4])
{
    uint64_t d[4];
    unsigned char borrow = sub_borrow(0, t[0], kModulus[0], &d[0]);
    borrow = sub_borrow(borrow, t[1], kModulus[1], &d[1]);
    borrow = sub_borrow(borrow, t[2], kModulus[2], &d[2]);
    borrow = sub_borrow(borrow, t[3], kModulus[3], &d[3]);
    // A borrow means t < r: keep t.
    for (int i = 0; i < 4; ++i) out[i] = borrow ? t[i] : d[i];
}

// Montgomery product a*b*R^-1 mod r (CIOS, no final carry word), plain C++.
inline void mont_mul_portable(uint64_t out[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    for (int i = 0; i < 4; ++i) {
        const uint64_t bi = b[i];
        u128 p = static_cast<u128>(a[0]) * bi + t0;
        t0 = static_cast<uint64_t>(p);
        uint64_t carry_a = static_cast<uint64_t>(p >> 64);
        const uint64_t m = t0 * kInv;
        p = static_cast<u128>(m) * kModulus[0] + t0;
        uint64_t carry_m = static_cast<uint64_t>(p >> 64);

        p = static_cast<u128>(a[1]) * bi + t1 + carry_a;
        t1 = static_cast<uint64_t>(p);
        carry_a = static_cast<uint64_t>(p >> 64);
        p = static_cast<u128>(m) * kModulus[1] + t1 + carry_m;
        t0 = static_cast<uint64_t>(p);
        carry_m = static_cast<uint64_t>(p >> 64);

        p = static_cast<u128>(a[2]) * bi + t2 + carry_a;
        t2 = static_cast<uint64_t>(p);
        carry_a = static_cast<uint64_t>(p >> 64);
        p = static_cast<u128>(m) * kModulus[2] + t2 + carry_m;
        t1 = static_cast<uint64_t>(p);
        carry_m = static_cast<uint64_t>(p >> 64);

        p = static_cast<u128>(a[3]) * bi + t3 + carry_a;
        t3 = static_cast<uint64_t>(p);
        carry_a = static_cast<uint64_t>(p >> 64);
        p = static_cast<u128>(m) * kModulus[3] + t3 + carry_m;
        t2 = static_cast<uint64_t>(p);
        carry_m = static_cast<uint64_t>(p >> 64);

        t3 = carry_m + carry_a;
    }
    const uint64_t t[4] = {t0, t1, t2, t3};
    reduce_once(out, t);
}

#if defined(__x86_64__) && !defined(DMC_FR_PORTABLE_ONLY)
// The same CIOS in baseline x86-64 (mul/adc/cmov only: no BMI2/ADX, so it
// runs on any x86-64). GCC's code for the unsigned __int128 version spills
// heavily once several products are inlined together (Poseidon rounds), which
// made it about 2x slower. m = t0 * INV is computed as -(t0 + (t0 << 32))
// because INV = -(2^32 + 1) mod 2^64; r's limbs are immediates.
#define DMC_FR_MULADD(off)                                                                                             \
    "movq " #off "(%[pb]), %%rax\n\tmulq 0(%[pa])\n\taddq %%rax, %[t0]\n\tadcq $0, %%rdx\n\tmovq %%rdx, %[c]\n\t"      \
    "movq " #off "(%[pb]), %%rax\n\tmulq 8(%[pa])\n\taddq %[c], %%rax\n\tadcq $0, %%rdx\n\t"                           \
    "addq %%rax, %[t1]\n\tadcq $0, %%rdx\n\tmovq %%rdx, %[c]\n\t"                                                      \
    "movq " #off "(%[pb]), %%rax\n\tmulq 16(%[pa])\n\taddq %[c], %%rax\n\tadcq $0, %%rdx\n\t"                          \
    "addq %%rax, %[t2]\n\tadcq $0, %%rdx\n\tmovq %%rdx, %[c]\n\t"                                                      \
    "movq " #off "(%[pb]), %%rax\n\tmulq 24(%[pa])\n\taddq %[c], %%rax\n\tadcq $0, %%rdx\n\t"                          \
    "addq %%rax, %[t3]\n\tadcq $0, %%rdx\n\tmovq %%rdx, %[t4]\n\t"
#define DMC_FR_REDUCE                                                                                                  \
    "movq %[t0], %[m]\n\tshlq $32, %[m]\n\taddq %[t0], %[m]\n\tnegq %[m]\n\t"                                          \
    "movabsq $0xffffffff00000001, %%rax\n\tmulq %[m]\n\taddq %[t0], %%rax\n\tadcq $0, %%rdx\n\tmovq %%rdx, %[c]\n\t"   \
    "movabsq $0x53bda402fffe5bfe, %%rax\n\tmulq %[m]\n\taddq %[c], %%rax\n\tadcq $0, %%rdx\n\t"                        \
    "addq %[t1], %%rax\n\tadcq $0, %%rdx\n\tmovq %%rax, %[t0]\n\tmovq %%rdx, %[c]\n\t"                                 \
    "movabsq $0x3339d80809a1d805, %%rax\n\tmulq %[m]\n\taddq %[c], %%rax\n\tadcq $0, %%rdx\n\t"                        \
    "addq %[t2], %%rax\n\tadcq $0, %%rdx\n\tmovq %%rax, %[t1]\n\tmovq %%rdx, %[c]\n\t"                                 \
    "movabsq $0x73eda753299d7d48, %%rax\n\tmulq %[m]\n\taddq %[c], %%rax\n\tadcq $0, %%rdx\n\t"                        \
    "addq %[t3], %%rax\n\tadcq $0, %%rdx\n\tmovq %%rax, %[t2]\n\t"                                                     \
    "addq %%rdx, %[t4]\n\tmovq %[t4], %[t3]\n\t"

inline void mont_mul(uint64_t out[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4, c, m;
    __asm__("" DMC_FR_MULADD(0) DMC_FR_REDUCE DMC_FR_MULADD(8) DMC_FR_REDUCE DMC_FR_MULADD(16)
                DMC_FR_REDUCE DMC_FR_MULADD(24) DMC_FR_REDUCE
            // t < 2r: subtract r; keep the difference when there was no borrow.
            "movq %[t0], %%rax\n\tmovabsq $0xffffffff00000001, %%rdx\n\tsubq %%rdx, %%rax\n\t"
            "movq %[t1], %[c]\n\tmovabsq $0x53bda402fffe5bfe, %%rdx\n\tsbbq %%rdx, %[c]\n\t"
            "movq %[t2], %[m]\n\tmovabsq $0x3339d80809a1d805, %%rdx\n\tsbbq %%rdx, %[m]\n\t"
            "movq %[t3], %[t4]\n\tmovabsq $0x73eda753299d7d48, %%rdx\n\tsbbq %%rdx, %[t4]\n\t"
            "cmovncq %%rax, %[t0]\n\tcmovncq %[c], %[t1]\n\tcmovncq %[m], %[t2]\n\tcmovncq %[t4], %[t3]\n\t"
            : [t0] "+&r"(t0), [t1] "+&r"(t1), [t2] "+&r"(t2), [t3] "+&r"(t3), [t4] "=&r"(t4), [c] "=&r"(c), [m] "=&r"(m)
            // The array operands tell the compiler which memory is read (no "memory" clobber).
            : [pa] "r"(a), [pb] "r"(b), "m"(*reinterpret_cast<const uint64_t(*)[4]>(a)),
              "m"(*reinterpret_cast<const uint64_t(*)[4]>(b))
            : "rax", "rdx", "cc");
    out[0] = t0;
    out[1] = t1;
    out[2] = t2;
    out[3] = t3;
}
#undef DMC_FR_MULADD
#undef DMC_FR_REDUCE
#else
inline void mont_mul(uint64_t out[4], const uint64_t a[4], const uint64_t b[4]) { mont_mul_portable(out, a, b); }
#endif

inline void add_mod(uint64_t out[4], const uint64_t a[4], const uint64_t b[4])
{
    // a + b < 2r < 2^256: no carry out of the top limb.
    uint64_t t[4];
    unsigned char carry = add_carry(0, a[0], b[0], &t[0]);
    carry = add_carry(carry, a[1], b[1], &t[1]);
    carry = add_carry(carry, a[2], b[2], &t[2]);
    add_carry(carry, a[3], b[3], &t[3]);
    reduce_once(out, t);
}

inline void sub_mod(uint64_t out[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t t[4];
    unsigned char borrow = sub_borrow(0, a[0], b[0], &t[0]);
    borrow = sub_borrow(borrow, a[1], b[1], &t[1]);
    borrow = sub_borrow(borrow, a[2], b[2], &t[2]);
    borrow = sub_borrow(borrow, a[3], b[3], &t[3]);
    // On borrow add r back (masked, no branch).
    const uint64_t mask = 0 - static_cast<uint64_t>(borrow);
    unsigned char carry = add_carry(0, t[0], kModulus[0] & mask, &out[0]);
    carry = add_carry(carry, t[1], kModulus[1] & mask, &out[1]);
    carry = add_carry(carry, t[2], kModulus[2] & mask, &out[2]);
    add_carry(carry, t[3], kModulus[3] & mask, &out[3]);
}

} // namespace fr_detail

struct Fr {
    // Montgomery form: l = value * 2^256 mod r, least significant limb first.
    uint64_t l[4];

    static constexpr Fr zero() { return Fr{{0, 0, 0, 0}}; }
    static constexpr Fr one() { return Fr{{fr_detail::kR[0], fr_detail::kR[1], fr_detail::kR[2], fr_detail::kR[3]}}; }
    static Fr from_u64(uint64_t value)
    {
        const uint64_t canonical[4] = {value, 0, 0, 0};
        Fr out;
        fr_detail::mont_mul(out.l, canonical, fr_detail::kR2);
        return out;
    }

    // 32 bytes little-endian; false (out untouched) when the value is >= r.
    // The allocation-free form for hot loops; from_bytes() is the checked API.
    static bool try_from_bytes(const uint8_t *bytes32, Fr &out)
    {
        uint64_t canonical[4];
        for (int i = 0; i < 4; ++i) {
            uint64_t limb = 0;
            for (int b = 7; b >= 0; --b) limb = (limb << 8) | bytes32[8 * i + b];
            canonical[i] = limb;
        }
        if (!fr_detail::less_than_modulus(canonical)) return false;
        fr_detail::mont_mul(out.l, canonical, fr_detail::kR2);
        return true;
    }
    // Canonical LE32 -> Fr; a value >= r is an error (never reduced).
    static Result<Fr> from_bytes(std::span<const uint8_t> bytes);
    static Result<Fr> from_bytes(const Bytes32 &bytes) { return from_bytes(std::span<const uint8_t>(bytes)); }
    // Canonical limbs, least significant first (Rust from_u64s_le); >= r is an error.
    static Result<Fr> from_canonical_limbs(const std::array<uint64_t, 4> &limbs);
    // Raw Montgomery limbs (blstrs blst_fr.l); >= r is an error.
    static Result<Fr> from_montgomery_limbs(const std::array<uint64_t, 4> &limbs);

    void to_bytes(uint8_t *out32) const
    {
        const auto canonical = to_canonical_limbs();
        for (int i = 0; i < 4; ++i) {
            for (int b = 0; b < 8; ++b) out32[8 * i + b] = static_cast<uint8_t>(canonical[i] >> (8 * b));
        }
    }
    Bytes32 to_bytes() const
    {
        Bytes32 out;
        to_bytes(out.data());
        return out;
    }
    std::array<uint64_t, 4> to_canonical_limbs() const
    {
        static constexpr uint64_t kOneCanonical[4] = {1, 0, 0, 0};
        std::array<uint64_t, 4> out;
        fr_detail::mont_mul(out.data(), l, kOneCanonical);
        return out;
    }
    std::array<uint64_t, 4> montgomery_limbs() const { return {l[0], l[1], l[2], l[3]}; }

    bool is_zero() const { return (l[0] | l[1] | l[2] | l[3]) == 0; }
    friend bool operator==(const Fr &a, const Fr &b)
    {
        return a.l[0] == b.l[0] && a.l[1] == b.l[1] && a.l[2] == b.l[2] && a.l[3] == b.l[3];
    }
};

inline Fr add(const Fr &a, const Fr &b)
{
    Fr out;
    fr_detail::add_mod(out.l, a.l, b.l);
    return out;
}
inline Fr sub(const Fr &a, const Fr &b)
{
    Fr out;
    fr_detail::sub_mod(out.l, a.l, b.l);
    return out;
}
inline Fr neg(const Fr &a) { return sub(Fr::zero(), a); }
inline Fr mul(const Fr &a, const Fr &b)
{
    Fr out;
    fr_detail::mont_mul(out.l, a.l, b.l);
    return out;
}
inline Fr square(const Fr &a) { return mul(a, a); }

// a^exponent; exponent limbs least significant first.
Fr pow(const Fr &a, const std::array<uint64_t, 4> &exponent);
Fr pow(const Fr &a, uint64_t exponent);
// a^-1 (Fermat: a^(r-2)); the inverse of zero is an error.
Result<Fr> inverse(const Fr &a);

inline Fr operator+(const Fr &a, const Fr &b) { return add(a, b); }
inline Fr operator-(const Fr &a, const Fr &b) { return sub(a, b); }
inline Fr operator-(const Fr &a) { return neg(a); }
inline Fr operator*(const Fr &a, const Fr &b) { return mul(a, b); }
inline Fr &operator+=(Fr &a, const Fr &b) { return a = add(a, b); }
inline Fr &operator-=(Fr &a, const Fr &b) { return a = sub(a, b); }
inline Fr &operator*=(Fr &a, const Fr &b) { return a = mul(a, b); }

// True when the 32 LE bytes are a canonical element (< r): a limb compare,
// no Montgomery conversion (CC encoding checks every label with it).
inline bool fr_bytes_valid(const uint8_t *bytes32)
{
    for (int i = 3; i >= 0; --i) {
        uint64_t limb;
        std::memcpy(&limb, bytes32 + 8 * i, 8);
        if (limb != fr_detail::kModulus[i]) return limb < fr_detail::kModulus[i];
    }
    return false;
}

// r as canonical limbs and as 32 LE bytes.
inline constexpr std::array<uint64_t, 4> kFrModulusLimbs = {fr_detail::kModulus[0], fr_detail::kModulus[1],
                                                            fr_detail::kModulus[2], fr_detail::kModulus[3]};
Bytes32 fr_modulus_bytes();

} // namespace dmc
