// SPDX-License-Identifier: Apache-2.0
//
// Poseidon Merkle proofs (docs/algorithms.md §10.7). Generation reads only
// what one proof needs: 7 siblings per level from the stored rows and, for a
// level cache, the 8^first_row leaves of the segment around the challenge
// (merkletree gen_cached_proof rebuilds exactly that segment).
#include "damocles/sdk/merkle_proof.hpp"

#include <algorithm>
#include <string>

#include "damocles/sdk/poseidon.hpp"
#include "damocles/sdk/tree_files.hpp"

namespace dmc {

namespace {

Error corrupt(const std::string &what) { return make_error(Errc::corrupt, what); }

Result<Fr> read_node(std::span<const uint8_t> bytes, uint64_t index, const char *what)
{
    if (32 * (index + 1) > bytes.size())
        return corrupt(std::string(what) + ": node " + std::to_string(index) + " is out of range");
    Fr out;
    if (!Fr::try_from_bytes(bytes.data() + 32 * index, out))
        return corrupt(std::string(what) + ": node " + std::to_string(index) + " is not a canonical field element");
    return out;
}

// Parent of a path level: siblings with `running` inserted at `index`.
Fr hash_level(const MerklePathElement &element, const Fr &running)
{
    std::vector<Fr> children;
    children.reserve(element.siblings.size() + 1);
    children.insert(children.end(), element.siblings.begin(), element.siblings.begin() + element.index);
    children.push_back(running);
    children.insert(children.end(), element.siblings.begin() + element.index, element.siblings.end());
    return poseidon_hash(static_cast<unsigned>(children.size()), children);
}

MerklePathElement element_without(const std::vector<Fr> &group, uint32_t index)
{
    MerklePathElement element;
    element.index = index;
    for (uint32_t j = 0; j < group.size(); ++j) {
        if (j != index) element.siblings.push_back(group[j]);
    }
    return element;
}

// The rows 0..height of a segment of 8^height leaves, bottom up.
Result<std::vector<std::vector<Fr>>> rebuild_segment(std::span<const uint8_t> leaves, uint64_t first_leaf,
                                                     unsigned height)
{
    std::vector<std::vector<Fr>> rows(height + 1);
    const uint64_t width = 1ull << (3 * height);
    rows[0].resize(width);
    for (uint64_t v = 0; v < width; ++v) {
        DMC_TRY_ASSIGN(rows[0][v], read_node(leaves, first_leaf + v, "replica"));
    }
    for (unsigned row = 1; row <= height; ++row) {
        const auto &below = rows[row - 1];
        for (uint64_t m = 0; m < below.size() / kTreeArity; ++m)
            rows[row].push_back(poseidon_hash(kTreeArity, std::span<const Fr>(&below[kTreeArity * m], kTreeArity)));
    }
    return rows;
}

Status check_stored_tree(const StoredBaseTree &tree, const BaseTreeGeometry &geometry, size_t i)
{
    if (tree.first_row > geometry.height)
        return make_error(Errc::invalid_argument, "base tree " + std::to_string(i) + ": first stored row " +
                                                      std::to_string(tree.first_row) + " is above the root");
    const uint64_t expected = 32 * geometry.stored_nodes(tree.first_row);
    if (tree.rows.size() != expected)
        return corrupt("base tree " + std::to_string(i) + " holds " + std::to_string(tree.rows.size()) +
                       " bytes, expected " + std::to_string(expected) + " for rows " + std::to_string(tree.first_row) +
                       ".." + std::to_string(geometry.height));
    return {};
}

// The rebuilt segment of 8^first_row leaves around local leaf `c`, checked
// against the stored row above it; from the cache when it was built before.
Result<const std::vector<std::vector<Fr>> *> segment_rows(const StoredBaseTree &tree, const BaseTreeGeometry &geometry,
                                                          std::span<const uint8_t> leaves, uint64_t leaf_offset,
                                                          uint64_t segment_start, MerkleProofCache *cache,
                                                          std::vector<std::vector<Fr>> &local)
{
    const uint64_t key = leaf_offset + segment_start;
    if (cache)
        if (auto it = cache->segments.find(key); it != cache->segments.end()) return &it->second;
    const uint64_t width = 1ull << (3 * tree.first_row);
    DMC_TRY_ASSIGN(local, rebuild_segment(leaves, key, tree.first_row));
    DMC_TRY_ASSIGN(const Fr cached,
                   read_node(tree.rows, geometry.row_offset(tree.first_row, tree.first_row) + segment_start / width,
                             "stored tree"));
    if (!(cached == local[tree.first_row][0]))
        return corrupt("the replica does not match the tree-r-last cache at node " + std::to_string(key) + " (row " +
                       std::to_string(tree.first_row) + ")");
    if (!cache) return &local;
    if (cache->segments.size() >= cache->max_segments) cache->segments.clear();
    return &cache->segments.emplace(key, std::move(local)).first->second;
}

// Base path of local leaf `c` in one stored base tree; sets the leaf.
Status base_path(const StoredBaseTree &tree, const BaseTreeGeometry &geometry, std::span<const uint8_t> leaves,
                 uint64_t leaf_offset, uint64_t c, PoseidonMerkleProof &proof, MerkleProofCache *cache)
{
    const auto stored = [&](unsigned row, uint64_t index) {
        return read_node(tree.rows, geometry.row_offset(row, tree.first_row) + index, "stored tree");
    };
    std::vector<std::vector<Fr>> local;
    const std::vector<std::vector<Fr>> *segment_ptr = nullptr;
    uint64_t segment_start = 0;
    if (tree.first_row > 0) {
        const uint64_t width = 1ull << (3 * tree.first_row);
        segment_start = c / width * width;
        if (leaves.size() < 32 * (leaf_offset + geometry.leaves))
            return make_error(Errc::invalid_argument,
                              "a level-cache proof needs the leaf row (replica), which is too short");
        DMC_TRY_ASSIGN(segment_ptr, segment_rows(tree, geometry, leaves, leaf_offset, segment_start, cache, local));
        proof.leaf = (*segment_ptr)[0][c - segment_start];
    } else {
        DMC_TRY_ASSIGN(proof.leaf, stored(0, c));
    }
    for (unsigned row = 0; row < geometry.height; ++row) {
        const uint64_t position = c >> (3 * row), group = position & ~uint64_t{kTreeArity - 1};
        MerklePathElement element;
        element.index = static_cast<uint32_t>(position & (kTreeArity - 1));
        for (uint64_t j = group; j < group + kTreeArity; ++j) {
            if (j == position) continue;
            if (row < tree.first_row) {
                element.siblings.push_back((*segment_ptr)[row][j - (segment_start >> (3 * row))]);
            } else {
                DMC_TRY_ASSIGN(const Fr sibling, stored(row, j));
                element.siblings.push_back(sibling);
            }
        }
        proof.path.push_back(std::move(element));
    }
    return {};
}

} // namespace

uint64_t PoseidonMerkleProof::leaf_index() const
{
    uint64_t index = 0, scale = 1;
    for (const auto &element : path) {
        index += element.index * scale;
        scale *= element.siblings.size() + 1;
    }
    return index;
}

Fr merkle_proof_compute_root(const PoseidonMerkleProof &proof)
{
    Fr running = proof.leaf;
    for (const auto &element : proof.path) running = hash_level(element, running);
    return running;
}

namespace {

uint64_t memo_key(size_t level, uint64_t index) { return (uint64_t{level} << 58) | index; }

// merkle_proof_compute_root through the memo of MerkleVerifyCache.
Fr compute_root_with_memo(const PoseidonMerkleProof &proof, MerkleVerifyCache &cache)
{
    uint64_t index = proof.leaf_index();
    Fr running = proof.leaf;
    std::array<Fr, 8> children;
    for (size_t level = 0; level < proof.path.size(); ++level) {
        const auto &element = proof.path[level];
        const size_t arity = element.siblings.size() + 1;
        if (arity > children.size()) return merkle_proof_compute_root(proof); // no such shape
        std::copy(element.siblings.begin(), element.siblings.begin() + element.index, children.begin());
        children[element.index] = running;
        std::copy(element.siblings.begin() + element.index, element.siblings.end(),
                  children.begin() + element.index + 1);
        const uint64_t key = memo_key(level + 1, index / arity);
        auto it = cache.parents.find(key);
        if (it != cache.parents.end() &&
            std::equal(children.begin(), children.begin() + arity, it->second.children.begin())) {
            running = it->second.value;
        } else {
            running = poseidon_hash(static_cast<unsigned>(arity), std::span<const Fr>(children.data(), arity));
            if (cache.parents.size() < cache.max_parents)
                cache.parents.insert_or_assign(key, MerkleVerifyCache::Parent{children, running});
        }
        index /= arity;
    }
    return running;
}

} // namespace

bool verify_merkle_proof(const PoseidonMerkleProof &proof, const TreeShape &shape, uint64_t base_tree_leaves,
                         MerkleVerifyCache *cache)
{
    auto geometry = BaseTreeGeometry::for_leaves(base_tree_leaves);
    if (!geometry || shape.base_arity != kTreeArity) return false;
    std::vector<uint32_t> arities(geometry->height, kTreeArity);
    if (shape.sub_arity) arities.push_back(shape.sub_arity);
    if (shape.top_arity) arities.push_back(shape.top_arity);
    if (proof.path.size() != arities.size()) return false;
    for (size_t i = 0; i < arities.size(); ++i) {
        const auto &element = proof.path[i];
        if (element.siblings.size() + 1 != arities[i] || element.index >= arities[i]) return false;
    }
    return (cache ? compute_root_with_memo(proof, *cache) : merkle_proof_compute_root(proof)) == proof.root;
}

Result<PoseidonMerkleProof> generate_merkle_proof(const TreeShape &shape, uint64_t base_tree_leaves,
                                                  std::span<const StoredBaseTree> trees,
                                                  std::span<const uint8_t> leaves, uint64_t challenge,
                                                  MerkleProofCache *cache)
{
    DMC_TRY_ASSIGN(const BaseTreeGeometry geometry, BaseTreeGeometry::for_leaves(base_tree_leaves));
    const uint32_t count = shape.base_tree_count();
    if (shape.base_arity != kTreeArity || trees.size() != count)
        return make_error(Errc::invalid_argument, "shape needs " + std::to_string(count) +
                                                      " base trees of arity 8, got " + std::to_string(trees.size()));
    if (challenge >= count * geometry.leaves)
        return make_error(Errc::invalid_argument, "challenge " + std::to_string(challenge) + " is outside the " +
                                                      std::to_string(count * geometry.leaves) + " leaves");
    std::vector<Fr> roots;
    if (cache && cache->roots.size() == trees.size()) {
        roots = cache->roots;
    } else {
        for (size_t i = 0; i < trees.size(); ++i) {
            DMC_TRY_VOID(check_stored_tree(trees[i], geometry, i));
            DMC_TRY_ASSIGN(const Fr root, read_node(trees[i].rows, trees[i].rows.size() / 32 - 1, "stored tree root"));
            roots.push_back(root);
        }
        if (cache) cache->roots = roots;
    }
    const uint64_t tree_index = challenge / geometry.leaves;
    PoseidonMerkleProof proof;
    DMC_TRY_VOID(base_path(trees[tree_index], geometry, leaves, tree_index * geometry.leaves,
                           challenge % geometry.leaves, proof, cache));
    if (shape.sub_arity == 0) {
        proof.root = roots[0];
        return proof;
    }
    const uint32_t groups = shape.top_arity ? shape.top_arity : 1;
    std::vector<Fr> sub_roots;
    for (uint32_t g = 0; g < groups; ++g) {
        std::span<const Fr> group(&roots[g * shape.sub_arity], shape.sub_arity);
        sub_roots.push_back(poseidon_hash(shape.sub_arity, group));
    }
    const uint32_t group = static_cast<uint32_t>(tree_index / shape.sub_arity);
    const std::vector<Fr> members(roots.begin() + group * shape.sub_arity,
                                  roots.begin() + (group + 1) * shape.sub_arity);
    proof.path.push_back(element_without(members, static_cast<uint32_t>(tree_index % shape.sub_arity)));
    if (shape.top_arity == 0) {
        proof.root = sub_roots[0];
        return proof;
    }
    proof.path.push_back(element_without(sub_roots, group));
    proof.root = poseidon_hash(shape.top_arity, sub_roots);
    return proof;
}

} // namespace dmc
