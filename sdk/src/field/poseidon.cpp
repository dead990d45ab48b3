// SPDX-License-Identifier: Apache-2.0
//
// The Poseidon permutation (docs/algorithms.md §9.5) in its plain HADES
// form and in neptune's optimised form (see poseidon_constants.cpp for how
// the optimised constants are derived), and the hashes built on it.
//
// The optimised permutation is a template on the width so that the arities
// Filecoin uses (2, 8, 11) and neptune's test arity 4 get fully unrolled
// loops; every other width runs the same code with a run-time width.
#include "damocles/sdk/poseidon.hpp"

#include <stdexcept>
#include <string>

#include "fr_dot.hpp"

namespace dmc {

namespace {

constexpr unsigned kMaxWidth = kPoseidonMaxArity + 1;

inline Fr sbox(const Fr &x)
{
    const Fr x2 = square(x);
    return mul(square(x2), x);
}

// state <- M state with ordinary products (the plain form: independent of
// the optimised path's dot products).
void plain_multiply(const Fr *matrix, Fr *state, unsigned t)
{
    Fr out[kMaxWidth];
    for (unsigned i = 0; i < t; ++i) {
        const Fr *row = matrix + static_cast<size_t>(i) * t;
        Fr acc = mul(row[0], state[0]);
        for (unsigned j = 1; j < t; ++j) acc += mul(row[j], state[j]);
        out[i] = acc;
    }
    for (unsigned i = 0; i < t; ++i) state[i] = out[i];
}

// state <- M state, M given with entries scaled by 2^64 (fr_dot.hpp).
template <unsigned kWidth> inline void dense_multiply(const Fr *scaled_matrix, Fr *state, unsigned width)
{
    const unsigned t = kWidth ? kWidth : width;
    Fr out[kWidth ? kWidth : kMaxWidth];
    for (unsigned i = 0; i < t; ++i)
        out[i] = fr_detail::dot_scaled<kWidth>(scaled_matrix + static_cast<size_t>(i) * t, state, t);
    for (unsigned i = 0; i < t; ++i) state[i] = out[i];
}

template <unsigned kWidth>
inline void full_round(const Fr *constants, const Fr *scaled_matrix, Fr *state, unsigned width)
{
    const unsigned t = kWidth ? kWidth : width;
    for (unsigned i = 0; i < t; ++i) state[i] = sbox(state[i] + constants[i]);
    dense_multiply<kWidth>(scaled_matrix, state, t);
}

// s0' = m00 s0 + sum w_j s_j (one dot product over the row [m00, w]), then
// s_j += v_j s0.
template <unsigned kWidth>
inline void sparse_partial_round(const Fr &constant, const Fr *scaled_row, const Fr *column, Fr *state, unsigned width)
{
    const unsigned t = kWidth ? kWidth : width;
    const Fr s0 = sbox(state[0] + constant);
    state[0] = s0;
    const Fr first = fr_detail::dot_scaled<kWidth>(scaled_row, state, t);
    for (unsigned j = 1; j < t; ++j) state[j] += mul(column[j - 1], s0);
    state[0] = first;
}

template <unsigned kWidth> void permute_optimized(const PoseidonConstants &c, Fr *state)
{
    const unsigned t = kWidth ? kWidth : c.width;
    const unsigned half = c.full_rounds / 2;
    const Fr *constants = c.full_round_constants.data();
    for (unsigned round = 0; round < half; ++round, constants += t) {
        const Fr *matrix = round + 1 == half ? c.pre_sparse_matrix_scaled.data() : c.mds_scaled.data();
        full_round<kWidth>(constants, matrix, state, t);
    }
    for (unsigned p = 0; p < c.partial_rounds; ++p) {
        const Fr *row = &c.sparse_rows_scaled[static_cast<size_t>(p) * t];
        const Fr *column = &c.sparse_matrices[static_cast<size_t>(p) * (2 * t - 1) + t];
        sparse_partial_round<kWidth>(c.partial_round_constants[p], row, column, state, t);
    }
    for (unsigned round = half; round < c.full_rounds; ++round, constants += t)
        full_round<kWidth>(constants, c.mds_scaled.data(), state, t);
}

void permute_dispatch(const PoseidonConstants &c, Fr *state)
{
    switch (c.width) {
    case 3: permute_optimized<3>(c, state); break;
    case 5: permute_optimized<5>(c, state); break;
    case 9: permute_optimized<9>(c, state); break;
    case 12: permute_optimized<12>(c, state); break;
    default: permute_optimized<0>(c, state); break;
    }
}

void check_inputs(const PoseidonConstants &c, size_t count)
{
    if (count != c.arity)
        throw std::invalid_argument("poseidon: arity " + std::to_string(c.arity) + " hash given " +
                                    std::to_string(count) + " inputs");
}

Fr hash_with_tag(const PoseidonConstants &c, const Fr &tag, std::span<const Fr> inputs)
{
    check_inputs(c, inputs.size());
    Fr state[kMaxWidth];
    state[0] = tag;
    for (unsigned i = 0; i < c.arity; ++i) state[i + 1] = inputs[i];
    permute_dispatch(c, state);
    return state[1];
}

} // namespace

void poseidon_permute(const PoseidonConstants &constants, std::span<Fr> state)
{
    if (state.size() != constants.width)
        throw std::invalid_argument("poseidon_permute: state has " + std::to_string(state.size()) +
                                    " elements, width is " + std::to_string(constants.width));
    permute_dispatch(constants, state.data());
}

void poseidon_permute_plain(const PoseidonConstants &c, std::span<Fr> state,
                            const std::function<void(unsigned round, std::span<const Fr> state)> &after_round)
{
    const unsigned t = c.width;
    if (state.size() != t)
        throw std::invalid_argument("poseidon_permute_plain: state has " + std::to_string(state.size()) +
                                    " elements, width is " + std::to_string(t));
    const unsigned half = c.full_rounds / 2, rounds = c.full_rounds + c.partial_rounds;
    for (unsigned round = 0; round < rounds; ++round) {
        const Fr *constants = &c.round_constants[static_cast<size_t>(round) * t];
        for (unsigned i = 0; i < t; ++i) state[i] += constants[i];
        const bool full = round < half || round >= half + c.partial_rounds;
        if (full) {
            for (unsigned i = 0; i < t; ++i) state[i] = sbox(state[i]);
        } else {
            state[0] = sbox(state[0]);
        }
        plain_multiply(c.mds.data(), state.data(), t);
        if (after_round) after_round(round, state);
    }
}

Fr poseidon_hash(unsigned arity, std::span<const Fr> inputs)
{
    const PoseidonConstants &c = poseidon_constants(arity);
    return hash_with_tag(c, c.merkle_tree_tag, inputs);
}

Fr poseidon_hash_tagged(unsigned arity, const Fr &tag, std::span<const Fr> inputs, PoseidonStrength strength)
{
    return hash_with_tag(poseidon_constants(arity, strength), tag, inputs);
}

Fr poseidon_hash2(const Fr &a, const Fr &b)
{
    const Fr inputs[2] = {a, b};
    return poseidon_hash(2, inputs);
}

Result<Bytes32> poseidon_hash_bytes(unsigned arity, std::span<const uint8_t> inputs)
{
    if (inputs.size() != static_cast<size_t>(arity) * 32)
        return make_error(Errc::invalid_argument, "poseidon arity " + std::to_string(arity) + " needs " +
                                                      std::to_string(arity * 32) + " input bytes, got " +
                                                      std::to_string(inputs.size()));
    std::vector<Fr> elements(arity);
    for (unsigned i = 0; i < arity; ++i) {
        if (!Fr::try_from_bytes(inputs.data() + 32 * i, elements[i]))
            return make_error(Errc::invalid_argument,
                              "poseidon input " + std::to_string(i) + " is not a canonical field element (value >= r)");
    }
    return poseidon_hash(arity, elements).to_bytes();
}

} // namespace dmc
