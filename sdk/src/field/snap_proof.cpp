// SPDX-License-Identifier: Apache-2.0
//
// SnapDeals vanilla partition proofs (docs/algorithms.md §13.4), after
// storage-proofs-update vanilla.rs prove_inner and verify, check for check.
#include "damocles/sdk/snap_proof.hpp"

#include <algorithm>
#include <string>

#include "damocles/sdk/poseidon_tree.hpp"
#include "damocles/sdk/sha254.hpp"

namespace dmc {

namespace {

// The apex tree: row 0 = the apex leafs, each next row hashes pairs.
std::vector<std::vector<Bytes32>> apex_tree(const std::vector<Bytes32> &leafs, uint32_t height)
{
    std::vector<std::vector<Bytes32>> rows{leafs};
    for (uint32_t row = 0; row < height; ++row) {
        const auto &below = rows.back();
        std::vector<Bytes32> next;
        for (size_t i = 0; i + 1 < below.size(); i += 2) next.push_back(sha254_node(below[i], below[i + 1]));
        rows.push_back(std::move(next));
    }
    return rows;
}

bool challenge_proof_valid(const SnapParams &params, const TreeShape &shape, uint64_t base_tree_leaves,
                           const SnapPublicInputs &inputs, uint64_t c, const SnapChallengeProof &p,
                           const Fr &root_r_old, const Fr &root_r_new, const Fr &phi,
                           const std::vector<std::vector<Bytes32>> &apex)
{
    // Merkle proofs: index, root, path.
    if (p.proof_r_old.leaf_index() != c || p.proof_d_new.index != c || p.proof_r_new.leaf_index() != c) return false;
    if (!(p.proof_r_old.root == root_r_old) || !(p.proof_r_new.root == root_r_new)) return false;
    if (p.proof_d_new.siblings.size() != params.challenge_bits || sha254_proof_root(p.proof_d_new) != inputs.comm_d_new)
        return false;
    if (!verify_merkle_proof(p.proof_r_old, shape, base_tree_leaves) ||
        !verify_merkle_proof(p.proof_r_new, shape, base_tree_leaves))
        return false;

    // Encoding: new = old + data * rho(c >> (log2 N - h)).
    Fr data;
    if (!Fr::try_from_bytes(p.proof_d_new.leaf.data(), data)) return false;
    const Fr rho = snap_rho(phi, c >> params.rho_shift_bits(inputs.h));
    if (!(p.proof_r_new.leaf == p.proof_r_old.leaf + data * rho)) return false;

    // The tree_d path crosses the apex tree: each apex-level sibling is in its apex row.
    const uint32_t apex_height = params.apex_row_height();
    for (uint32_t i = 0; i < params.apex_leaf_bits; ++i) {
        const Bytes32 &sibling = p.proof_d_new.siblings[apex_height + i];
        if (std::find(apex[i].begin(), apex[i].end(), sibling) == apex[i].end()) return false;
    }
    return true;
}

} // namespace

Result<SnapPartitionProof> snap_prove_partition(const SnapParams &params, const SnapPublicInputs &inputs,
                                                const SnapProverInputs &prover)
{
    if (inputs.k >= params.partitions)
        return make_error(Errc::invalid_argument,
                          "partition " + std::to_string(inputs.k) + " of " + std::to_string(params.partitions));
    if (!params.h_allowed(inputs.h))
        return make_error(Errc::invalid_argument,
                          "h = " + std::to_string(inputs.h) + " is not allowed for this sector size");
    SnapPartitionProof proof;
    proof.comm_c = prover.comm_c;
    DMC_TRY_ASSIGN(const std::span<const uint8_t> apex_row, snap_apex_row_from_tree_d(params, prover.tree_d_new));
    DMC_TRY_ASSIGN(proof.apex_leafs, snap_apex_leafs(params, apex_row, inputs.k));
    DMC_TRY_ASSIGN(const std::vector<uint64_t> challenges, snap_challenges(params, inputs.comm_r_new, inputs.k));
    for (uint64_t c : challenges) {
        SnapChallengeProof p;
        DMC_TRY_ASSIGN(p.proof_d_new, sha254_tree_proof(prover.tree_d_new, params.sector_nodes, c));
        DMC_TRY_ASSIGN(p.proof_r_new, generate_merkle_proof(prover.shape, prover.base_tree_leaves, prover.tree_r_new,
                                                            prover.new_replica, c));
        DMC_TRY_ASSIGN(p.proof_r_old, generate_merkle_proof(prover.shape, prover.base_tree_leaves, prover.tree_r_old,
                                                            prover.sector_key, c));
        // As upstream: never hand out a proof that does not verify.
        if (sha254_proof_root(p.proof_d_new) != inputs.comm_d_new)
            return make_error(Errc::corrupt,
                              "tree-d does not hash to comm_d_new (at challenge " + std::to_string(c) + ")");
        if (!verify_merkle_proof(p.proof_r_new, prover.shape, prover.base_tree_leaves) ||
            !verify_merkle_proof(p.proof_r_old, prover.shape, prover.base_tree_leaves))
            return make_error(Errc::internal, "invalid Merkle proof generated for challenge " + std::to_string(c));
        proof.challenge_proofs.push_back(std::move(p));
    }
    return proof;
}

Result<bool> snap_verify_partition(const SnapParams &params, const TreeShape &shape, uint64_t base_tree_leaves,
                                   const SnapPublicInputs &inputs, const SnapPartitionProof &proof)
{
    if (inputs.k >= params.partitions)
        return make_error(Errc::invalid_argument, "partition-index k exceeds the partition count");
    if (!params.h_allowed(inputs.h)) return make_error(Errc::invalid_argument, "invalid h for the sector size");
    if (proof.apex_leafs.size() != params.apex_leaf_count)
        return make_error(Errc::invalid_argument, "invalid number of apex leafs");
    if (proof.challenge_proofs.size() != params.challenges_per_partition)
        return make_error(Errc::invalid_argument, "invalid number of challenge proofs");

    const auto apex = apex_tree(proof.apex_leafs, params.apex_leaf_bits);
    const Fr root_r_old = proof.challenge_proofs[0].proof_r_old.root;
    const Fr root_r_new = proof.challenge_proofs[0].proof_r_new.root;
    if (!(comm_r_from(proof.comm_c, root_r_old) == inputs.comm_r_old) ||
        !(comm_r_from(proof.comm_c, root_r_new) == inputs.comm_r_new))
        return false;

    Fr comm_d_new;
    if (!Fr::try_from_bytes(inputs.comm_d_new.data(), comm_d_new))
        return make_error(Errc::invalid_argument, "comm_d_new is not a canonical field element");
    const Fr phi = snap_phi(comm_d_new, inputs.comm_r_old);
    DMC_TRY_ASSIGN(const std::vector<uint64_t> challenges, snap_challenges(params, inputs.comm_r_new, inputs.k));
    for (size_t i = 0; i < challenges.size(); ++i) {
        if (!challenge_proof_valid(params, shape, base_tree_leaves, inputs, challenges[i], proof.challenge_proofs[i],
                                   root_r_old, root_r_new, phi, apex))
            return false;
    }
    return true;
}

} // namespace dmc
