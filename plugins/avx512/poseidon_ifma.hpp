// SPDX-License-Identifier: Apache-2.0
//
// Poseidon (docs/algorithms.md §9) over the 8-lane IFMA Fr: 8
// independent hashes per call, one per lane (8 columns, or 8 tree nodes).
// The round schedule is neptune's optimised form (full rounds, then partial
// rounds with the sparse matrices, then full rounds), with the constants
// the sdk derives (poseidon_constants(): round constants with the partial
// rounds' constants folded, pre-sparse matrix, sparse matrices), converted
// once to this Fr's Montgomery form. Kernel header.
#pragma once

#include <vector>

#include "fr_ifma.hpp"

namespace dmc::avx512::ifma {

struct PoseidonIfmaConstants {
    unsigned arity = 0;
    unsigned width = 0;
    unsigned full_rounds = 0;
    unsigned partial_rounds = 0;
    FrScalar merkle_tree_tag{};
    std::vector<FrScalar> full_round_constants;    // full_rounds · width
    std::vector<FrScalar> partial_round_constants; // partial_rounds
    std::vector<FrScalar> mds;                     // width², row-major
    std::vector<FrScalar> pre_sparse_matrix;       // width², row-major
    std::vector<FrScalar> sparse_matrices;         // partial_rounds · (2·width − 1)
};

// Arity 2, 8 or 11 (the sealing arities); built on first use (thread-safe),
// never freed. Another arity is a programming error (std::invalid_argument).
const PoseidonIfmaConstants &poseidon_ifma_constants(unsigned arity);

// Lane j of the result = Poseidon_arity(inputs[0] lane j, ..., inputs[arity-1]
// lane j) with the MerkleTree domain tag, in Montgomery form.
FrVec poseidon_hash8(const PoseidonIfmaConstants &constants, const FrVec *inputs);

} // namespace dmc::avx512::ifma
