// SPDX-License-Identifier: Apache-2.0
//
// GMP as the reference Fr multiplier of `damocles-run bench fr`: the
// fastest way GMP's public interface offers to multiply modulo r, so that
// "our kernel is N times GMP" compares with GMP at its best. Three ways are
// measured, each checked against the sdk's product first:
//   mpn_montgomery  mpn_mul_n + a word-by-word Montgomery reduction with
//                   mpn_addmul_1 (GMP's mpn_redc_n is internal: gmp.h of
//                   Debian 12's libgmp-dev does not declare it);
//   mpn_tdiv        mpn_mul_n + mpn_tdiv_qr (plain reduction);
//   mpz_mod         mpz_mul + mpz_mod.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dmc::cli::bench {

struct GmpMethodTime {
    std::string method;
    double ns = 0; // per multiplication, 8 independent chains
    bool matches_sdk = false;
};

// Each method once, over about `muls` multiplications.
std::vector<GmpMethodTime> gmp_fr_mul_methods(uint64_t muls);

} // namespace dmc::cli::bench
