// SPDX-License-Identifier: Apache-2.0
//
// Inclusion proofs in the binary SHA-254 tree of a sector (tree_d / CommD,
// docs/algorithms.md §3.1, §12.5 step 1), generated from the stored tree-d file (leaves
// first, each level upward, root last) and verified against comm_d.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc {

struct Sha254MerkleProof {
    Bytes32 leaf{};
    uint64_t index = 0;            // leaf position
    std::vector<Bytes32> siblings; // bottom-up, one per level
};

// Offset (in nodes) of level `level` (0 = leaves) in a tree-d file of `leaves` leaves.
uint64_t sha254_level_offset(uint64_t leaves, unsigned level);
// Proof for leaf `index` read from a full stored tree of `leaves` leaves.
Result<Sha254MerkleProof> sha254_tree_proof(std::span<const uint8_t> tree_file, uint64_t leaves, uint64_t index);
// Root recomputed from the leaf, its index and the siblings.
Bytes32 sha254_proof_root(const Sha254MerkleProof &proof);

} // namespace dmc
