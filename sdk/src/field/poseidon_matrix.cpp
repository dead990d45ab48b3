// SPDX-License-Identifier: Apache-2.0
//
// Small dense matrices over Fr for building Poseidon constants: the Cauchy MDS
// (docs/algorithms.md §9.3) and what the sparse factorisation of the
// partial rounds needs (inverse, product). Runs once per arity; clarity over
// speed.
#include "poseidon_internal.hpp"

#include <stdexcept>
#include <utility>

namespace dmc::poseidon_detail {

Matrix cauchy_mds(unsigned width)
{
    // x_i = i, y_j = t + j, M[i][j] = 1 / (x_i + y_j); never zero since i + j + t < r.
    Matrix m(static_cast<size_t>(width) * width);
    for (unsigned i = 0; i < width; ++i) {
        for (unsigned j = 0; j < width; ++j) m[i * width + j] = *inverse(Fr::from_u64(i + j + width));
    }
    return m;
}

Matrix invert(const Matrix &m, unsigned n)
{
    Matrix a = m;
    Matrix inv(static_cast<size_t>(n) * n, Fr::zero());
    for (unsigned i = 0; i < n; ++i) inv[i * n + i] = Fr::one();
    for (unsigned col = 0; col < n; ++col) {
        unsigned pivot = col;
        while (pivot < n && a[pivot * n + col].is_zero()) ++pivot;
        if (pivot == n) throw std::logic_error("poseidon: singular matrix in constant preprocessing");
        if (pivot != col) {
            for (unsigned j = 0; j < n; ++j) {
                std::swap(a[pivot * n + j], a[col * n + j]);
                std::swap(inv[pivot * n + j], inv[col * n + j]);
            }
        }
        const Fr scale = *inverse(a[col * n + col]);
        for (unsigned j = 0; j < n; ++j) {
            a[col * n + j] = a[col * n + j] * scale;
            inv[col * n + j] = inv[col * n + j] * scale;
        }
        for (unsigned row = 0; row < n; ++row) {
            if (row == col || a[row * n + col].is_zero()) continue;
            const Fr factor = a[row * n + col];
            for (unsigned j = 0; j < n; ++j) {
                a[row * n + j] = a[row * n + j] - factor * a[col * n + j];
                inv[row * n + j] = inv[row * n + j] - factor * inv[col * n + j];
            }
        }
    }
    return inv;
}

Matrix multiply(const Matrix &a, const Matrix &b, unsigned n)
{
    Matrix out(static_cast<size_t>(n) * n, Fr::zero());
    for (unsigned i = 0; i < n; ++i) {
        for (unsigned k = 0; k < n; ++k) {
            const Fr aik = a[i * n + k];
            for (unsigned j = 0; j < n; ++j) out[i * n + j] += aik * b[k * n + j];
        }
    }
    return out;
}

} // namespace dmc::poseidon_detail
