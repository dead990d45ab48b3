// SPDX-License-Identifier: Apache-2.0
//
// The --deep part of the store check (store_check.hpp): random replica nodes
// proved up the tree-r-last to comm_r_last. The stored level cache skips the
// lowest rows, so each proof rebuilds the segment of the replica under the
// challenged node and checks it against the stored row (merkletree's cached
// proofs): a corrupt replica fails there, a corrupt tree file at the root.
#include <random>

#include "damocles/sdk/merkle_proof.hpp"
#include "damocles/sdk/sealed_sector.hpp"
#include "service/manager/store_check.hpp"

namespace dmc::service {

Status prove_sampled_nodes(const SealProof &proof, const std::string &cache_dir, const std::string &replica_path,
                           const Bytes32 &comm_r_last, unsigned samples)
{
    SealedSectorFiles files;
    DMC_TRY_ASSIGN(files, SealedSectorFiles::open(proof, cache_dir, replica_path, /*full_cache=*/false));
    const auto &layout = files.layout();
    const uint64_t base_tree_leaves = layout.base_tree.leaves;
    DMC_TRY_ASSIGN(Fr expected_root, Fr::from_bytes(comm_r_last));
    // Sampled like PoSt challenges: anywhere in the sector, a fresh draw per
    // check, so repeated checks cover more of it.
    std::mt19937_64 random(std::random_device{}());
    std::uniform_int_distribution<uint64_t> node_of(0, proof.nodes() - 1);
    for (unsigned sample = 0; sample < samples; ++sample) {
        const uint64_t node = node_of(random);
        const std::string where = "node " + std::to_string(node);
        auto inclusion =
            generate_merkle_proof(proof.shape, base_tree_leaves, files.view().tree_r_last, files.view().replica, node);
        if (!inclusion) return make_error(Errc::verify_failed, where + ": " + inclusion.error().message);
        auto leaf = Fr::from_bytes(files.view().replica.subspan(node * 32, 32));
        if (!leaf || !(inclusion->leaf == *leaf) || inclusion->leaf_index() != node)
            return make_error(Errc::verify_failed, where + ": the proof does not start at the replica's node");
        if (!verify_merkle_proof(*inclusion, proof.shape, base_tree_leaves) || !(inclusion->root == expected_root))
            return make_error(Errc::verify_failed, where + ": does not prove up to p_aux's comm_r_last");
    }
    return {};
}

} // namespace dmc::service
