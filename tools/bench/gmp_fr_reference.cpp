// SPDX-License-Identifier: Apache-2.0
#include "gmp_fr_reference.hpp"

#include <chrono>
#include <cstring>

#include <gmp.h>

#include "bench_support.hpp"
#include "damocles/sdk/fr.hpp"

namespace dmc::cli::bench {

namespace {

static_assert(sizeof(mp_limb_t) == 8, "64-bit GMP limbs");

constexpr unsigned kChains = 8;

double now_seconds()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

const mp_limb_t *modulus_limbs() { return reinterpret_cast<const mp_limb_t *>(fr_detail::kModulus); }

Fr sample_fr(uint64_t seed)
{
    uint8_t bytes[32];
    fill_canonical(bytes, seed);
    Fr out;
    Fr::try_from_bytes(bytes, out);
    return out;
}

// The 8 chain inputs as the sdk holds them.
struct Inputs {
    Fr fr[kChains];
};
Inputs sample_inputs()
{
    Inputs in;
    for (unsigned i = 0; i < kChains; ++i) in.fr[i] = sample_fr(i + 1);
    return in;
}

// a·b·2^-256 mod r on 4 limbs: schoolbook product, then word-by-word
// Montgomery reduction with mpn_addmul_1 (docs/algorithms.md §8).
void mont_mul(mp_limb_t *out, const mp_limb_t *a, const mp_limb_t *b)
{
    const mp_limb_t *modulus = modulus_limbs();
    mp_limb_t t[9];
    mpn_mul_n(t, a, b, 4);
    t[8] = 0;
    for (int i = 0; i < 4; ++i) {
        const mp_limb_t m = t[i] * fr_detail::kInv;
        const mp_limb_t carry = mpn_addmul_1(t + i, modulus, 4, m);
        mpn_add_1(t + i + 4, t + i + 4, 5 - i, carry);
    }
    if (t[8] != 0 || mpn_cmp(t + 4, modulus, 4) >= 0) mpn_sub_n(t + 4, t + 4, modulus, 4);
    std::memcpy(out, t + 4, 4 * sizeof(mp_limb_t));
}

// a·b mod r on 4 limbs (canonical in and out).
void tdiv_mul(mp_limb_t *out, const mp_limb_t *a, const mp_limb_t *b)
{
    mp_limb_t t[8], q[5];
    mpn_mul_n(t, a, b, 4);
    mpn_tdiv_qr(q, out, 0, t, 8, modulus_limbs(), 4);
}

// The Montgomery method works on the sdk's Montgomery limbs (same radix
// 2^256), the others on canonical limbs; both are checked on one round.
GmpMethodTime measure_mpn(const char *method, void (*mul_fn)(mp_limb_t *, const mp_limb_t *, const mp_limb_t *),
                          bool montgomery, uint64_t muls)
{
    const Inputs in = sample_inputs();
    mp_limb_t v[kChains][4];
    for (unsigned i = 0; i < kChains; ++i) {
        const auto limbs = montgomery ? in.fr[i].montgomery_limbs() : in.fr[i].to_canonical_limbs();
        std::memcpy(v[i], limbs.data(), sizeof v[i]);
    }
    GmpMethodTime out{method, 0, true};
    for (unsigned i = 0; i < kChains; ++i) {
        mp_limb_t check[4];
        mul_fn(check, v[i], v[(i + 1) % kChains]);
        const Fr expected = mul(in.fr[i], in.fr[(i + 1) % kChains]);
        const auto limbs = montgomery ? expected.montgomery_limbs() : expected.to_canonical_limbs();
        out.matches_sdk = out.matches_sdk && std::memcmp(check, limbs.data(), sizeof check) == 0;
    }
    const uint64_t rounds = muls / kChains + 1;
    const double start = now_seconds();
    for (uint64_t k = 0; k < rounds; ++k)
        for (unsigned i = 0; i < kChains; ++i) mul_fn(v[i], v[i], v[(i + 1) % kChains]);
    out.ns = (now_seconds() - start) * 1e9 / double(rounds * kChains);
    volatile mp_limb_t sink = v[0][0];
    (void)sink;
    return out;
}

// mpz_mul + mpz_mod on canonical values, with preallocated integers.
GmpMethodTime measure_mpz(uint64_t muls)
{
    const Inputs in = sample_inputs();
    mpz_t v[kChains], product, modulus;
    mpz_init2(product, 512);
    mpz_init(modulus);
    mpz_import(modulus, 4, -1, sizeof(mp_limb_t), 0, 0, fr_detail::kModulus);
    for (unsigned i = 0; i < kChains; ++i) {
        mpz_init2(v[i], 512);
        const auto limbs = in.fr[i].to_canonical_limbs();
        mpz_import(v[i], 4, -1, sizeof(uint64_t), 0, 0, limbs.data());
    }
    GmpMethodTime out{"mpz_mod", 0, true};
    for (unsigned i = 0; i < kChains; ++i) {
        mpz_mul(product, v[i], v[(i + 1) % kChains]);
        mpz_mod(product, product, modulus);
        uint64_t check[4] = {};
        mpz_export(check, nullptr, -1, sizeof(uint64_t), 0, 0, product);
        const auto expected = mul(in.fr[i], in.fr[(i + 1) % kChains]).to_canonical_limbs();
        out.matches_sdk = out.matches_sdk && std::memcmp(check, expected.data(), sizeof check) == 0;
    }
    const uint64_t rounds = muls / kChains + 1;
    const double start = now_seconds();
    for (uint64_t k = 0; k < rounds; ++k) {
        for (unsigned i = 0; i < kChains; ++i) {
            mpz_mul(product, v[i], v[(i + 1) % kChains]);
            mpz_mod(v[i], product, modulus);
        }
    }
    out.ns = (now_seconds() - start) * 1e9 / double(rounds * kChains);
    volatile unsigned long sink = mpz_getlimbn(v[0], 0);
    (void)sink;
    for (auto &x : v) mpz_clear(x);
    mpz_clear(product);
    mpz_clear(modulus);
    return out;
}

} // namespace

std::vector<GmpMethodTime> gmp_fr_mul_methods(uint64_t muls)
{
    return {measure_mpn("mpn_montgomery", mont_mul, true, muls), measure_mpn("mpn_tdiv", tdiv_mul, false, muls),
            measure_mpz(muls)};
}

} // namespace dmc::cli::bench
