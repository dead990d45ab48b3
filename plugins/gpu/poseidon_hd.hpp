// SPDX-License-Identifier: Apache-2.0
//
// Poseidon as neptune computes it (docs/algorithms.md §9), DMC_HD so that
// the same source runs in the CUDA kernels and in the host tests.
//
// This is neptune's optimised form (docs/algorithms.md §9.6), the form the sdk's
// poseidon_permute uses: R_F/2 full rounds (the last one multiplies by the
// pre-sparse matrix), R_P partial rounds with one constant and a sparse
// matrix each, R_F/2 full rounds. The constants are not derived here: the
// host copies them, bit for bit, from the sdk's PoseidonConstants
// (poseidon_tables.hpp), so only the arithmetic below can differ from the sdk,
// and tests/unit/gpu checks it does not. The matrices are the unscaled ones
// (ordinary Montgomery products), not the sdk's 2^64-scaled dot-product rows.
//
// A PoseidonTableHd holds pointers into one flat FrHd array: host memory in
// tests, device global memory in the kernels (every thread of a warp reads
// the same constant, so the loads are broadcast from L1).
#pragma once

#include <cstddef>
#include <cstdint>

#include "fr_hd.hpp"

namespace dmc::gpu {

// Arities the GPU plugin hashes with: column hashes of 2 and 11 layers, and
// the arity-8 tree nodes.
inline constexpr unsigned kGpuArities[3] = {2, 8, 11};
inline constexpr unsigned kGpuMaxWidth = 12;

// Where one arity's constants sit in the flat array (offsets in elements).
struct PoseidonLayout {
    uint32_t arity = 0;
    uint32_t width = 0;
    uint32_t full_rounds = 0;
    uint32_t partial_rounds = 0;
    FrHd tag{};                     // MerkleTree domain tag 2^arity - 1 (Montgomery)
    uint64_t mds = 0;               // width*width, row-major
    uint64_t pre_sparse = 0;        // width*width, row-major
    uint64_t full_constants = 0;    // full_rounds*width
    uint64_t partial_constants = 0; // partial_rounds
    uint64_t sparse = 0;            // partial_rounds*(2*width-1): [m00, w_1..w_{t-1}, v_1..v_{t-1}]
};

struct PoseidonTableHd {
    uint32_t arity;
    uint32_t width;
    uint32_t full_rounds;
    uint32_t partial_rounds;
    FrHd tag;
    const FrHd *mds;
    const FrHd *pre_sparse;
    const FrHd *full_constants;
    const FrHd *partial_constants;
    const FrHd *sparse;
};

DMC_HD PoseidonTableHd bind_poseidon_table(const PoseidonLayout &layout, const FrHd *base)
{
    return PoseidonTableHd{layout.arity,
                           layout.width,
                           layout.full_rounds,
                           layout.partial_rounds,
                           layout.tag,
                           base + layout.mds,
                           base + layout.pre_sparse,
                           base + layout.full_constants,
                           base + layout.partial_constants,
                           base + layout.sparse};
}

namespace poseidon_hd {

// state <- M state, M row-major kWidth x kWidth.
template <unsigned kWidth> DMC_HD void dense_multiply(const FrHd *matrix, FrHd *state)
{
    FrHd out[kWidth];
    // Rows stay a loop on the device: unrolling them too (144 inlined
    // products for width 12) made ptxas take minutes and spill registers.
#if defined(__CUDA_ARCH__)
#pragma unroll 1
#endif
    for (unsigned i = 0; i < kWidth; ++i) {
        const FrHd *row = matrix + i * kWidth;
        FrHd acc = fr_mul(row[0], state[0]);
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
        for (unsigned j = 1; j < kWidth; ++j) acc = fr_add(acc, fr_mul(row[j], state[j]));
        out[i] = acc;
    }
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (unsigned i = 0; i < kWidth; ++i) state[i] = out[i];
}

template <unsigned kWidth> DMC_HD void full_round(const FrHd *constants, const FrHd *matrix, FrHd *state)
{
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (unsigned i = 0; i < kWidth; ++i) state[i] = fr_pow5(fr_add(state[i], constants[i]));
    dense_multiply<kWidth>(matrix, state);
}

// s0' = m00 s0 + sum w_j s_j, then s_j += v_j s0 (s0 after the S-box).
template <unsigned kWidth> DMC_HD void partial_round(const FrHd &constant, const FrHd *sparse, FrHd *state)
{
    const FrHd s0 = fr_pow5(fr_add(state[0], constant));
    FrHd first = fr_mul(sparse[0], s0);
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (unsigned j = 1; j < kWidth; ++j) first = fr_add(first, fr_mul(sparse[j], state[j]));
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (unsigned j = 1; j < kWidth; ++j) state[j] = fr_add(state[j], fr_mul(sparse[kWidth + j - 1], s0));
    state[0] = first;
}

} // namespace poseidon_hd

// The permutation on a state of kWidth = table.width Montgomery elements.
template <unsigned kWidth> DMC_HD void poseidon_permute_hd(const PoseidonTableHd &table, FrHd *state)
{
    const unsigned half = table.full_rounds / 2;
    const FrHd *constants = table.full_constants;
    for (unsigned round = 0; round < half; ++round, constants += kWidth)
        poseidon_hd::full_round<kWidth>(constants, round + 1 == half ? table.pre_sparse : table.mds, state);
    const FrHd *sparse = table.sparse;
    for (unsigned p = 0; p < table.partial_rounds; ++p, sparse += 2 * kWidth - 1)
        poseidon_hd::partial_round<kWidth>(table.partial_constants[p], sparse, state);
    for (unsigned round = half; round < table.full_rounds; ++round, constants += kWidth)
        poseidon_hd::full_round<kWidth>(constants, table.mds, state);
}

// Poseidon_a(inputs) with the table's MerkleTree tag; a = kArity = table.arity,
// inputs and output in Montgomery form.
template <unsigned kArity> DMC_HD FrHd poseidon_hash_hd(const PoseidonTableHd &table, const FrHd *inputs)
{
    FrHd state[kArity + 1];
    state[0] = table.tag;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (unsigned i = 0; i < kArity; ++i) state[i + 1] = inputs[i];
    poseidon_permute_hd<kArity + 1>(table, state);
    return state[1];
}

// One node as the kernels compute it: canonical inputs (already checked < r),
// canonical output, i.e. file bytes in and file bytes out.
template <unsigned kArity> DMC_HD FrHd poseidon_hash_canonical_hd(const PoseidonTableHd &table, const FrHd *canonical)
{
    FrHd inputs[kArity];
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (unsigned i = 0; i < kArity; ++i) inputs[i] = fr_to_montgomery(canonical[i]);
    return fr_from_montgomery(poseidon_hash_hd<kArity>(table, inputs));
}

} // namespace dmc::gpu
