// SPDX-License-Identifier: Apache-2.0
//
// SnapDeals vanilla partition proofs (docs/algorithms.md §13.4,
// storage-proofs-update vanilla.rs prove_inner / verify): for partition k,
// comm_c, the apex leafs of tree_d_new and, per challenge c, three inclusion
// proofs (tree_r_old, tree_d_new, tree_r_new) plus the encoding check
// new = old + data * rho(c >> shift).
//
// Only the vanilla (pre-SNARK) structure: what a prover hands to the circuit
// and what a checker verifies. No serialization format is implied.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "damocles/sdk/fr.hpp"
#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/merkle_proof.hpp"
#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/result.hpp"
#include "damocles/sdk/sha254_proof.hpp"
#include "damocles/sdk/snap.hpp"

namespace dmc {

struct SnapChallengeProof {
    PoseidonMerkleProof proof_r_old;
    Sha254MerkleProof proof_d_new; // tree_d_new (sha254_proof.hpp)
    PoseidonMerkleProof proof_r_new;
};

struct SnapPartitionProof {
    Fr comm_c = Fr::zero();
    std::vector<Bytes32> apex_leafs;
    std::vector<SnapChallengeProof> challenge_proofs;
};

struct SnapPublicInputs {
    uint32_t k = 0; // partition
    Fr comm_r_old = Fr::zero();
    Bytes32 comm_d_new{};
    Fr comm_r_new = Fr::zero();
    uint32_t h = 0;
};

// The stored state a prover reads. tree_r_* are the base trees of the old
// and new tree-r-last (level caches with the leaves, or full trees).
struct SnapProverInputs {
    TreeShape shape;
    uint64_t base_tree_leaves = 0;
    Fr comm_c = Fr::zero();
    std::span<const StoredBaseTree> tree_r_old;
    std::span<const uint8_t> sector_key; // old replica, N nodes
    std::span<const StoredBaseTree> tree_r_new;
    std::span<const uint8_t> new_replica; // N nodes
    std::span<const uint8_t> tree_d_new;  // full tree-d layout of the new data
};

Result<SnapPartitionProof> snap_prove_partition(const SnapParams &params, const SnapPublicInputs &inputs,
                                                const SnapProverInputs &prover);

// storage-proofs-update verify: Ok(true) when the proof is valid, Ok(false)
// when it is well formed but wrong, an error for malformed public inputs or
// proof shapes.
Result<bool> snap_verify_partition(const SnapParams &params, const TreeShape &shape, uint64_t base_tree_leaves,
                                   const SnapPublicInputs &inputs, const SnapPartitionProof &proof);

} // namespace dmc
