// SPDX-License-Identifier: Apache-2.0
//
// Vanilla PoRep proofs (docs/algorithms.md §12.5): what C1 / CheckSealed produces for each
// challenge — tree_d inclusion of the data node, the columns (all layer
// labels) of the node and of its 14 parents with their tree_c inclusion, the
// replica node's tree_r_last inclusion — and the verifier that recomputes
// every label from the parent columns and checks the encoding, against
// comm_d and comm_r. Also the binary file format the porep_vanilla stage
// writes and the host reads back.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "damocles/sdk/fr.hpp"
#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/merkle_proof.hpp"
#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/result.hpp"
#include "damocles/sdk/sdr_graph.hpp"
#include "damocles/sdk/sha254_proof.hpp"

namespace dmc {

struct ColumnProof {
    uint64_t node = 0;
    std::vector<Bytes32> labels;   // label of `node` in layers 1..L
    PoseidonMerkleProof inclusion; // leaf = column hash, root = comm_c
};

struct ChallengeProof {
    uint64_t challenge = 0;
    Sha254MerkleProof comm_d_proof;    // leaf = data[c]
    ColumnProof column;                // c itself
    std::vector<ColumnProof> parents;  // 6 base then 8 expander parents, hashing order
    PoseidonMerkleProof replica_proof; // leaf = replica[c], root = comm_r_last
};

struct VanillaPorepProofs {
    uint64_t proof_id = 0;
    Bytes32 replica_id{};
    Bytes32 comm_c{};
    Bytes32 comm_r_last{};
    std::vector<ChallengeProof> proofs;
};

// Read-only views of a sealed sector's files.
struct SealedSectorView {
    std::span<const uint8_t> tree_d;              // full tree-d (2N-1 nodes)
    std::vector<std::span<const uint8_t>> layers; // L label files
    std::vector<StoredBaseTree> tree_c;           // base trees, full layout
    std::vector<StoredBaseTree> tree_r_last;      // base trees, level cache
    std::span<const uint8_t> replica;             // N nodes
};

// For many calls over the same sector (the synthetic challenges are proved
// in batches): rebuilt tree-r-last segments and tree roots are kept.
struct VanillaProofCache {
    MerkleProofCache tree_c, tree_r_last;
};

Result<VanillaPorepProofs> generate_vanilla_proofs(const SealProof &proof, const SdrGraph &graph,
                                                   const SealedSectorView &sector, const Bytes32 &replica_id,
                                                   std::span<const uint64_t> challenges,
                                                   VanillaProofCache *cache = nullptr);

// For many calls against the same commitments: tree paths share their
// verified nodes, and a column whose labels (compared by SHA-256) were
// hashed before is not hashed again.
struct VanillaVerifyCache {
    MerkleVerifyCache tree_c, tree_r_last;
    size_t max_columns = size_t{1} << 22;
    std::unordered_map<uint64_t, std::pair<Bytes32, Fr>> columns; // node -> (SHA-256 of the labels, hash)
};

// Ok when every proof checks (§12.5 steps 1-5) for exactly `challenges`; the
// error names the challenge and the check that failed.
Status verify_vanilla_proofs(const SealProof &proof, const SdrGraph &graph, const VanillaPorepProofs &proofs,
                             const Bytes32 &replica_id, const Bytes32 &comm_d, const Bytes32 &comm_r,
                             std::span<const uint64_t> challenges, VanillaVerifyCache *cache = nullptr);

std::vector<uint8_t> serialize_vanilla_proofs(const VanillaPorepProofs &proofs);
Result<VanillaPorepProofs> parse_vanilla_proofs(std::span<const uint8_t> bytes);

} // namespace dmc
