// SPDX-License-Identifier: Apache-2.0
//
// The permutation is a template on the width (3, 9, 12) so that every loop
// over the state unrolls. Matrix products are dot products with one
// Montgomery reduction per output element (the products are summed in the
// 10-column accumulator first), which halves the reductions of a full round.
#include "poseidon_ifma.hpp"

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include "damocles/sdk/poseidon.hpp"

namespace dmc::avx512::ifma {

namespace {

std::vector<FrScalar> convert(const std::vector<Fr> &values)
{
    std::vector<FrScalar> out;
    out.reserve(values.size());
    for (const Fr &v : values) out.push_back(scalar_from(v));
    return out;
}

std::unique_ptr<PoseidonIfmaConstants> build(unsigned arity)
{
    const PoseidonConstants &c = poseidon_constants(arity);
    auto out = std::make_unique<PoseidonIfmaConstants>();
    out->arity = c.arity;
    out->width = c.width;
    out->full_rounds = c.full_rounds;
    out->partial_rounds = c.partial_rounds;
    out->merkle_tree_tag = scalar_from(c.merkle_tree_tag);
    out->full_round_constants = convert(c.full_round_constants);
    out->partial_round_constants = convert(c.partial_round_constants);
    out->mds = convert(c.mds);
    out->pre_sparse_matrix = convert(c.pre_sparse_matrix);
    out->sparse_matrices = convert(c.sparse_matrices);
    return out;
}

// state <- M·state (M row-major, t×t).
template <unsigned T>
__attribute__((always_inline)) inline void dense_multiply(const FrScalar *matrix, FrVec (&state)[T])
{
    FrVec out[T];
    for (unsigned i = 0; i < T; ++i) {
        Wide acc = wide_zero();
        for (unsigned j = 0; j < T; ++j) mac(acc, state[j], matrix[i * T + j]);
        out[i] = redc(acc);
    }
    for (unsigned i = 0; i < T; ++i) state[i] = out[i];
}

template <unsigned T>
__attribute__((always_inline)) inline void full_round(const FrScalar *constants, const FrScalar *matrix,
                                                      FrVec (&state)[T])
{
    for (unsigned i = 0; i < T; ++i) state[i] = sbox(add_unreduced(state[i], constants[i]));
    dense_multiply<T>(matrix, state);
}

// s0 <- S(s0 + c); then s0' = m00·s0 + Σ w_j·s_j and s_j' = s_j + v_j·s0
// (the sparse matrix [m00, w_1..w_{t-1}, v_1..v_{t-1}]).
template <unsigned T>
__attribute__((always_inline)) inline void partial_round(const FrScalar &constant, const FrScalar *sparse,
                                                         FrVec (&state)[T])
{
    const FrVec s0 = sbox(add_unreduced(state[0], constant));
    Wide acc = wide_zero();
    mac(acc, s0, sparse[0]);
    for (unsigned j = 1; j < T; ++j) mac(acc, state[j], sparse[j]);
    for (unsigned j = 1; j < T; ++j) state[j] = add(state[j], mul(s0, sparse[T + j - 1]));
    state[0] = redc(acc);
}

template <unsigned T> __attribute__((noinline)) FrVec hash(const PoseidonIfmaConstants &c, const FrVec *inputs)
{
    FrVec state[T];
    state[0] = broadcast(c.merkle_tree_tag);
    for (unsigned i = 1; i < T; ++i) state[i] = inputs[i - 1];
    const unsigned half = c.full_rounds / 2;
    const FrScalar *constants = c.full_round_constants.data();
    for (unsigned round = 0; round < half; ++round, constants += T)
        full_round<T>(constants, round + 1 == half ? c.pre_sparse_matrix.data() : c.mds.data(), state);
    const FrScalar *sparse = c.sparse_matrices.data();
    for (unsigned p = 0; p < c.partial_rounds; ++p, sparse += 2 * T - 1)
        partial_round<T>(c.partial_round_constants[p], sparse, state);
    for (unsigned round = half; round < c.full_rounds; ++round, constants += T)
        full_round<T>(constants, c.mds.data(), state);
    return state[1];
}

} // namespace

const PoseidonIfmaConstants &poseidon_ifma_constants(unsigned arity)
{
    static std::once_flag once[3];
    static std::unique_ptr<PoseidonIfmaConstants> built[3];
    const int slot = arity == 2 ? 0 : arity == 8 ? 1 : arity == 11 ? 2 : -1;
    if (slot < 0)
        throw std::invalid_argument("IFMA Poseidon is built for arities 2, 8 and 11, not " + std::to_string(arity));
    std::call_once(once[slot], [&] { built[slot] = build(arity); });
    return *built[slot];
}

FrVec poseidon_hash8(const PoseidonIfmaConstants &c, const FrVec *inputs)
{
    switch (c.width) {
    case 3: return hash<3>(c, inputs);
    case 9: return hash<9>(c, inputs);
    case 12: return hash<12>(c, inputs);
    default: throw std::invalid_argument("IFMA Poseidon has no width " + std::to_string(c.width));
    }
}

} // namespace dmc::avx512::ifma
