// SPDX-License-Identifier: Apache-2.0
//
// Dot products over Fr with one modular reduction per result (private; used
// by the Poseidon matrix layers). The t products a_j * b_j are summed as
// 512-bit integers (product scanning into a three-word column accumulator)
// and the 9-limb sum is Montgomery-reduced once, by 2^320 instead of 2^256:
// the sum can exceed r * 2^256, but (sum + m r) / 2^320 < r + 2^197 for up
// to 65 terms. To keep the result in Montgomery form, the a_j (the constant
// matrix entries) are stored pre-multiplied by 2^64 (see scaled_by_2_64).
//
// Two accumulators take alternate terms so that consecutive multiply-adds do
// not wait on each other's carry chain.
#pragma once

#include <cstdint>

#include "damocles/sdk/fr.hpp"

namespace dmc::fr_detail {

struct ColumnAccumulator {
    uint64_t c0 = 0, c1 = 0, c2 = 0;

    // (c2:c1:c0) += a * b
    void mac(uint64_t a, uint64_t b)
    {
#if defined(__x86_64__) && !defined(DMC_FR_PORTABLE_ONLY)
        __asm__("movq %[a], %%rax\n\tmulq %[b]\n\taddq %%rax, %[c0]\n\tadcq %%rdx, %[c1]\n\tadcq $0, %[c2]"
                : [c0] "+r"(c0), [c1] "+r"(c1), [c2] "+r"(c2)
                : [a] "r"(a), [b] "rm"(b)
                : "rax", "rdx", "cc");
#else
        const u128 p = static_cast<u128>(a) * b;
        const u128 low = static_cast<u128>(c0) + static_cast<uint64_t>(p);
        const u128 mid = static_cast<u128>(c1) + static_cast<uint64_t>(p >> 64) + static_cast<uint64_t>(low >> 64);
        c0 = static_cast<uint64_t>(low);
        c1 = static_cast<uint64_t>(mid);
        c2 += static_cast<uint64_t>(mid >> 64);
#endif
    }

    void add(const ColumnAccumulator &other)
    {
        unsigned char carry = add_carry(0, c0, other.c0, &c0);
        carry = add_carry(carry, c1, other.c1, &c1);
        add_carry(carry, c2, other.c2, &c2);
    }

    void add_word(uint64_t word)
    {
        unsigned char carry = add_carry(0, c0, word, &c0);
        carry = add_carry(carry, c1, 0, &c1);
        add_carry(carry, c2, 0, &c2);
    }

    // Emits the finished column word and moves to the next column.
    uint64_t shift()
    {
        const uint64_t word = c0;
        c0 = c1;
        c1 = c2;
        c2 = 0;
        return word;
    }
};

// out = t * 2^-320 mod r for a 9-limb t < 65 r^2 (result fully reduced).
inline void redc_320(uint64_t out[4], const uint64_t t[9])
{
    ColumnAccumulator acc;
    uint64_t m[5];
    for (unsigned k = 0; k < 5; ++k) {
        acc.add_word(t[k]);
        for (unsigned i = k > 3 ? k - 3 : 0; i < k; ++i) acc.mac(m[i], kModulus[k - i]);
        m[k] = acc.c0 * kInv;
        acc.mac(m[k], kModulus[0]); // clears the low word
        acc.shift();
    }
    uint64_t v[4];
    for (unsigned k = 5; k < 9; ++k) {
        acc.add_word(t[k]);
        for (unsigned i = k - 3; i < 5; ++i) acc.mac(m[i], kModulus[k - i]);
        v[k - 5] = acc.shift();
    }
    reduce_once(out, v);
}

// Montgomery form of sum_j a_j * b_j, where a[j] holds (value_j * 2^64) in
// Montgomery form (scaled_by_2_64) and b[j] is an ordinary element; n <= 65.
template <unsigned kTerms> inline Fr dot_scaled(const Fr *a, const Fr *b, unsigned terms)
{
    const unsigned n = kTerms ? kTerms : terms;
    uint64_t t[9];
    ColumnAccumulator even, odd;
    for (unsigned k = 0; k < 8; ++k) {
        const unsigned lo = k > 3 ? k - 3 : 0, hi = k < 3 ? k : 3;
        unsigned j = 0;
        for (; j + 1 < n; j += 2) {
            for (unsigned i = lo; i <= hi; ++i) even.mac(a[j].l[i], b[j].l[k - i]);
            for (unsigned i = lo; i <= hi; ++i) odd.mac(a[j + 1].l[i], b[j + 1].l[k - i]);
        }
        if (j < n) {
            for (unsigned i = lo; i <= hi; ++i) even.mac(a[j].l[i], b[j].l[k - i]);
        }
        even.add(odd);
        odd = {};
        t[k] = even.shift();
    }
    t[8] = even.c0; // even.c1 = 0: the sum is below 2^516
    Fr out;
    redc_320(out.l, t);
    return out;
}

// The Montgomery form that dot_scaled expects for a constant: value * 2^64.
inline Fr scaled_by_2_64(const Fr &value)
{
    static const Fr two_64 = [] {
        Fr x = Fr::from_u64(1ull << 32);
        return mul(x, x);
    }();
    return mul(value, two_64);
}

} // namespace dmc::fr_detail
