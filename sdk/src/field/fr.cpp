// SPDX-License-Identifier: Apache-2.0
//
// The out-of-line parts of Fr (docs/algorithms.md §8): checked
// conversions, exponentiation and inversion. The hot arithmetic is inline in
// fr.hpp.
#include "damocles/sdk/fr.hpp"

#include <string>

namespace dmc {

namespace {

Error out_of_range(const char *what)
{
    return make_error(Errc::invalid_argument,
                      std::string(what) +
                          " is not a canonical BLS12-381 scalar (value >= r); field elements are never reduced");
}

} // namespace

Result<Fr> Fr::from_bytes(std::span<const uint8_t> bytes)
{
    if (bytes.size() != 32)
        return make_error(Errc::invalid_argument, "a field element is 32 bytes, got " + std::to_string(bytes.size()));
    Fr out;
    if (!try_from_bytes(bytes.data(), out)) return out_of_range("32-byte little-endian value");
    return out;
}

Result<Fr> Fr::from_canonical_limbs(const std::array<uint64_t, 4> &limbs)
{
    if (!fr_detail::less_than_modulus(limbs.data())) return out_of_range("canonical limb value");
    Fr out;
    fr_detail::mont_mul(out.l, limbs.data(), fr_detail::kR2);
    return out;
}

Result<Fr> Fr::from_montgomery_limbs(const std::array<uint64_t, 4> &limbs)
{
    if (!fr_detail::less_than_modulus(limbs.data())) return out_of_range("Montgomery limb value");
    return Fr{{limbs[0], limbs[1], limbs[2], limbs[3]}};
}

Fr pow(const Fr &a, const std::array<uint64_t, 4> &exponent)
{
    // Left-to-right square and multiply; exponents here are public.
    Fr acc = Fr::one();
    for (int limb = 3; limb >= 0; --limb) {
        for (int bit = 63; bit >= 0; --bit) {
            acc = square(acc);
            if ((exponent[limb] >> bit) & 1) acc = mul(acc, a);
        }
    }
    return acc;
}

Fr pow(const Fr &a, uint64_t exponent) { return pow(a, std::array<uint64_t, 4>{exponent, 0, 0, 0}); }

Result<Fr> inverse(const Fr &a)
{
    if (a.is_zero()) return make_error(Errc::invalid_argument, "zero has no inverse in Fr");
    // r - 2 (r's low limb ends in ...0001, so no borrow beyond limb 0).
    const std::array<uint64_t, 4> r_minus_2 = {fr_detail::kModulus[0] - 2, fr_detail::kModulus[1],
                                               fr_detail::kModulus[2], fr_detail::kModulus[3]};
    return pow(a, r_minus_2);
}

Bytes32 fr_modulus_bytes()
{
    Bytes32 out;
    for (int i = 0; i < 4; ++i) {
        for (int b = 0; b < 8; ++b) out[8 * i + b] = static_cast<uint8_t>(fr_detail::kModulus[i] >> (8 * b));
    }
    return out;
}

} // namespace dmc
