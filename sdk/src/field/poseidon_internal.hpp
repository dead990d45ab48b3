// SPDX-License-Identifier: Apache-2.0
//
// Private building blocks of the Poseidon constants (not installed).
#pragma once

#include <cstdint>
#include <vector>

#include "damocles/sdk/fr.hpp"

namespace dmc::poseidon_detail {

struct GrainOutput {
    std::vector<Fr> constants;
    uint32_t candidates_drawn = 0;
    uint32_t candidates_rejected = 0;
};

// Grain LFSR round constants (docs/algorithms.md §9.2): field type 1,
// S-box code 1, n = 255 bits, then `count` constants < r in generation order.
GrainOutput grain_round_constants(unsigned width, unsigned full_rounds, unsigned partial_rounds, size_t count);

// Square matrices over Fr, row-major, size n*n.
using Matrix = std::vector<Fr>;

Matrix cauchy_mds(unsigned width);
// Gauss-Jordan inverse; throws std::logic_error if singular (a Cauchy
// submatrix never is: that would be a bug in the caller).
Matrix invert(const Matrix &m, unsigned n);
Matrix multiply(const Matrix &a, const Matrix &b, unsigned n);

} // namespace dmc::poseidon_detail
