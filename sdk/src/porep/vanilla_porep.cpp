// SPDX-License-Identifier: Apache-2.0
//
// Generation and verification of vanilla PoRep proofs (docs/algorithms.md §12.5). The
// verifier trusts nothing in the proof but the values it proves: parent
// indexes come from the graph, every label is recomputed with the exact
// SDR preimage (labels.hpp) and the encoding is checked in Fr.
#include "damocles/sdk/vanilla_porep.hpp"

#include <algorithm>

#include "damocles/sdk/labels.hpp"
#include "damocles/sdk/poseidon.hpp"
#include "damocles/sdk/poseidon_tree.hpp"
#include "damocles/sdk/sha254.hpp"

namespace dmc {

namespace {

Bytes32 node_at(std::span<const uint8_t> file, uint64_t node)
{
    Bytes32 out;
    std::copy_n(file.data() + node * 32, 32, out.begin());
    return out;
}

Result<ColumnProof> prove_column(const SealProof &proof, const SealedSectorView &s, uint64_t node,
                                 MerkleProofCache *cache)
{
    ColumnProof c;
    c.node = node;
    for (const auto &layer : s.layers) c.labels.push_back(node_at(layer, node));
    const uint64_t leaves = proof.nodes() / proof.shape.base_tree_count();
    DMC_TRY_ASSIGN(c.inclusion, generate_merkle_proof(proof.shape, leaves, s.tree_c, {}, node, cache));
    return c;
}

Result<Fr> column_hash(const std::vector<Bytes32> &labels);

// column_hash through the cache: labels compared by their SHA-256.
Result<Fr> cached_column_hash(uint64_t node, const std::vector<Bytes32> &labels, VanillaVerifyCache *cache)
{
    if (!cache) return column_hash(labels);
    std::vector<uint8_t> all;
    for (const auto &l : labels) all.insert(all.end(), l.begin(), l.end());
    const Bytes32 digest = sha256(all);
    if (auto it = cache->columns.find(node); it != cache->columns.end() && it->second.first == digest)
        return it->second.second;
    Fr h;
    DMC_TRY_ASSIGN(h, column_hash(labels));
    if (cache->columns.size() < cache->max_columns) cache->columns.insert_or_assign(node, std::make_pair(digest, h));
    return h;
}

Result<Fr> column_hash(const std::vector<Bytes32> &labels)
{
    std::vector<Fr> col;
    for (const auto &l : labels) {
        Fr f;
        if (!Fr::try_from_bytes(l.data(), f))
            return make_error(Errc::verify_failed, "a column label is not a field element");
        col.push_back(f);
    }
    return poseidon_hash(static_cast<unsigned>(col.size()), col);
}

Error fail(uint64_t challenge, const std::string &what)
{
    return make_error(Errc::verify_failed, "challenge " + std::to_string(challenge) + ": " + what);
}

} // namespace

Result<VanillaPorepProofs> generate_vanilla_proofs(const SealProof &proof, const SdrGraph &graph,
                                                   const SealedSectorView &s, const Bytes32 &replica_id,
                                                   std::span<const uint64_t> challenges, VanillaProofCache *cache)
{
    const uint64_t nodes = proof.nodes();
    if (s.layers.size() != proof.layers)
        return make_error(Errc::invalid_argument, "expected " + std::to_string(proof.layers) + " layer files");
    const uint64_t leaves = nodes / proof.shape.base_tree_count();
    VanillaPorepProofs out;
    out.proof_id = proof.id;
    out.replica_id = replica_id;
    for (uint64_t c : challenges) {
        if (c >= nodes) return make_error(Errc::invalid_argument, "challenge " + std::to_string(c) + " out of range");
        ChallengeProof p;
        p.challenge = c;
        DMC_TRY_ASSIGN(p.comm_d_proof, sha254_tree_proof(s.tree_d, nodes, c));
        MerkleProofCache *tree_c_cache = cache ? &cache->tree_c : nullptr;
        DMC_TRY_ASSIGN(p.column, prove_column(proof, s, c, tree_c_cache));
        uint32_t parents[kParentCount];
        graph.parents(c, parents);
        for (uint32_t parent : parents) {
            ColumnProof cp;
            DMC_TRY_ASSIGN(cp, prove_column(proof, s, parent, tree_c_cache));
            p.parents.push_back(std::move(cp));
        }
        DMC_TRY_ASSIGN(p.replica_proof, generate_merkle_proof(proof.shape, leaves, s.tree_r_last, s.replica, c,
                                                              cache ? &cache->tree_r_last : nullptr));
        out.proofs.push_back(std::move(p));
    }
    if (!out.proofs.empty()) {
        out.comm_c = out.proofs.front().column.inclusion.root.to_bytes();
        out.comm_r_last = out.proofs.front().replica_proof.root.to_bytes();
    }
    return out;
}

Status verify_vanilla_proofs(const SealProof &proof, const SdrGraph &graph, const VanillaPorepProofs &v,
                             const Bytes32 &replica_id, const Bytes32 &comm_d, const Bytes32 &comm_r,
                             std::span<const uint64_t> challenges, VanillaVerifyCache *cache)
{
    if (v.proof_id != proof.id) return make_error(Errc::verify_failed, "proofs were made for another seal proof type");
    if (v.replica_id != replica_id) return make_error(Errc::verify_failed, "proofs were made for another replica id");
    if (v.proofs.size() != challenges.size())
        return make_error(Errc::verify_failed, "expected " + std::to_string(challenges.size()) +
                                                   " challenge proofs, got " + std::to_string(v.proofs.size()));
    Fr comm_c, comm_r_last;
    if (!Fr::try_from_bytes(v.comm_c.data(), comm_c) || !Fr::try_from_bytes(v.comm_r_last.data(), comm_r_last))
        return make_error(Errc::verify_failed, "comm_c or comm_r_last is not a field element");
    // Step 3 (shared part): comm_r = Poseidon_2(comm_c, comm_r_last).
    if (comm_r_from(comm_c, comm_r_last).to_bytes() != comm_r)
        return make_error(Errc::verify_failed, "comm_r != Poseidon2(comm_c, comm_r_last): the sealed replica or its "
                                               "trees do not match the expected CommR");
    const uint64_t leaves = proof.nodes() / proof.shape.base_tree_count();
    const uint32_t layers = proof.layers;
    for (size_t i = 0; i < challenges.size(); ++i) {
        const ChallengeProof &p = v.proofs[i];
        const uint64_t c = challenges[i];
        if (p.challenge != c) return fail(c, "proof is for challenge " + std::to_string(p.challenge));
        // 1. Data node in tree_d.
        if (p.comm_d_proof.index != c || sha254_proof_root(p.comm_d_proof) != comm_d)
            return fail(c, "tree_d inclusion proof does not lead to comm_d (the data differs)");
        // 2. Columns of c and its parents in tree_c.
        uint32_t parents[kParentCount];
        graph.parents(c, parents);
        if (p.parents.size() != kParentCount) return fail(c, "expected 14 parent columns");
        auto check_column = [&](const ColumnProof &col, uint64_t node, const char *what) -> Status {
            if (col.node != node || col.labels.size() != layers)
                return fail(c, std::string(what) + " column has the wrong node or layer count");
            Fr h;
            DMC_TRY_ASSIGN(h, cached_column_hash(node, col.labels, cache));
            if (!(col.inclusion.leaf == h) || !(col.inclusion.root == comm_c) || col.inclusion.leaf_index() != node ||
                !verify_merkle_proof(col.inclusion, proof.shape, leaves, cache ? &cache->tree_c : nullptr))
                return fail(c, std::string(what) + " column " + std::to_string(node) +
                                   " is not included in tree_c under comm_c");
            return {};
        };
        DMC_TRY_VOID(check_column(p.column, c, "challenged"));
        for (unsigned k = 0; k < kParentCount; ++k) DMC_TRY_VOID(check_column(p.parents[k], parents[k], "parent"));
        // 3. Replica node in tree_r_last.
        if (!(p.replica_proof.root == comm_r_last) || p.replica_proof.leaf_index() != c ||
            !verify_merkle_proof(p.replica_proof, proof.shape, leaves, cache ? &cache->tree_r_last : nullptr))
            return fail(c, "replica node is not included in tree_r_last under comm_r_last");
        // 4. Every label recomputed from the parent columns.
        for (uint32_t l = 1; l <= layers; ++l) {
            std::vector<Bytes32> parent_labels;
            if (c != 0) {
                for (unsigned k = 0; k < kBaseDegree; ++k) parent_labels.push_back(p.parents[k].labels[l - 1]);
                if (l > 1)
                    for (unsigned k = kBaseDegree; k < kParentCount; ++k)
                        parent_labels.push_back(p.parents[k].labels[l - 2]);
            }
            Bytes32 label;
            DMC_TRY_ASSIGN(label, label_node(replica_id, l, c, parent_labels));
            if (label != p.column.labels[l - 1])
                return fail(c, "label of layer " + std::to_string(l) + " does not follow from its parents");
        }
        // 5. Encoding: replica = label_L + data.
        Fr key, data;
        if (!Fr::try_from_bytes(p.column.labels[layers - 1].data(), key) ||
            !Fr::try_from_bytes(p.comm_d_proof.leaf.data(), data))
            return fail(c, "label or data node is not a field element");
        if (!(key + data == p.replica_proof.leaf)) return fail(c, "replica node != last-layer label + data node");
    }
    return {};
}

} // namespace dmc
