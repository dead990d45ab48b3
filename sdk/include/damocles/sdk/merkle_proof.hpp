// SPDX-License-Identifier: Apache-2.0
//
// Merkle inclusion proofs in Poseidon trees (docs/algorithms.md §10.7,
// merkletree gen_proof / gen_cached_proof): generation from stored base trees
// (full tree-c files, or tree-r-last level caches plus the replica) and
// verification. Needed by C1, CheckSealed, WindowPoSt and SnapDeals proofs.
//
// A path element holds the arity-1 siblings in order and the position (0..arity-1)
// of the running node; the parent is Poseidon_arity of the siblings with the
// running node inserted at that position. Base levels (arity 8, k of them)
// come first, then one sub-tree element (sub arity) and one top element (top
// arity) for compound shapes.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "damocles/sdk/fr.hpp"
#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc {

struct MerklePathElement {
    std::vector<Fr> siblings;
    uint32_t index = 0;
};

struct PoseidonMerkleProof {
    Fr leaf = Fr::zero();
    std::vector<MerklePathElement> path;
    Fr root = Fr::zero();

    // Leaf position in the whole (compound) tree: the path indices read as a
    // mixed-radix number, lowest level least significant.
    uint64_t leaf_index() const;
};

// The root recomputed from leaf and path.
Fr merkle_proof_compute_root(const PoseidonMerkleProof &proof);

// Memo for verifying many proofs of one tree (a synthetic PoRep checks 2^18
// challenges, each with 15 tree_c paths): a parent whose children, at the
// same position, equal the children it was hashed from before takes that
// hash instead of being hashed again (a cache of the hash function, so any
// proof may use it).
struct MerkleVerifyCache {
    struct Parent {
        std::array<Fr, 8> children;
        Fr value;
    };
    size_t max_parents = size_t{1} << 22;         // stop remembering beyond this
    std::unordered_map<uint64_t, Parent> parents; // (level, index at that level) -> children, hash
};

// True when the proof has the structure of `shape` over base trees of
// base_tree_leaves leaves and its path leads from leaf to proof.root.
// Callers also compare proof.root with the commitment and leaf_index() with
// the challenge.
bool verify_merkle_proof(const PoseidonMerkleProof &proof, const TreeShape &shape, uint64_t base_tree_leaves,
                         MerkleVerifyCache *cache = nullptr);

// Rows first_row..k of one base tree in the stored layout of tree_files.hpp.
struct StoredBaseTree {
    std::span<const uint8_t> rows;
    unsigned first_row = 0;
};

// Reuse across many proofs of the same stored trees: the level-cache
// segments rebuilt around earlier challenges (8MiB: 4096 segments for 2^18
// synthetic challenges) and the compound roots. One cache per set of trees.
struct MerkleProofCache {
    size_t max_segments = size_t{1} << 16;
    std::unordered_map<uint64_t, std::vector<std::vector<Fr>>> segments; // first global leaf -> rows
    std::vector<Fr> roots;                                               // base roots, once read
};

// Proof for leaf `challenge` of the compound tree whose base trees are
// `trees` (shape.base_tree_count() of them, each over base_tree_leaves
// leaves). `leaves` is the whole leaf row (the replica for tree-r-last, N
// nodes): it is read when a tree does not store row 0, as merkletree's
// gen_cached_proof does (rebuild the 8^first_row-leaf segment around the
// challenge, check its top against the stored row). It may be empty for full
// trees. A stored file of the wrong size, or a cache that disagrees with the
// leaves, is an error (Errc::corrupt).
Result<PoseidonMerkleProof> generate_merkle_proof(const TreeShape &shape, uint64_t base_tree_leaves,
                                                  std::span<const StoredBaseTree> trees,
                                                  std::span<const uint8_t> leaves, uint64_t challenge,
                                                  MerkleProofCache *cache = nullptr);

} // namespace dmc
