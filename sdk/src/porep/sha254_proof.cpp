// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/sha254_proof.hpp"

#include <algorithm>

#include "damocles/sdk/sha254.hpp"

namespace dmc {

uint64_t sha254_level_offset(uint64_t leaves, unsigned level)
{
    uint64_t offset = 0;
    for (unsigned j = 0; j < level; ++j) offset += leaves >> j;
    return offset;
}

Result<Sha254MerkleProof> sha254_tree_proof(std::span<const uint8_t> tree_file, uint64_t leaves, uint64_t index)
{
    if (leaves == 0 || (leaves & (leaves - 1)) != 0)
        return make_error(Errc::invalid_argument, "tree-d leaf count must be a power of two");
    if (index >= leaves)
        return make_error(Errc::invalid_argument, "challenge " + std::to_string(index) + " out of range");
    if (tree_file.size() != (2 * leaves - 1) * 32)
        return make_error(Errc::corrupt, "tree-d file has " + std::to_string(tree_file.size()) + " bytes, expected " +
                                             std::to_string((2 * leaves - 1) * 32));
    Sha254MerkleProof p;
    p.index = index;
    std::copy_n(tree_file.data() + index * 32, 32, p.leaf.begin());
    uint64_t pos = index;
    for (unsigned level = 0; (leaves >> level) > 1; ++level) {
        const uint64_t base = sha254_level_offset(leaves, level);
        Bytes32 sib;
        std::copy_n(tree_file.data() + (base + (pos ^ 1)) * 32, 32, sib.begin());
        p.siblings.push_back(sib);
        pos >>= 1;
    }
    return p;
}

Bytes32 sha254_proof_root(const Sha254MerkleProof &proof)
{
    Bytes32 cur = proof.leaf;
    uint64_t pos = proof.index;
    for (const auto &sib : proof.siblings) {
        cur = (pos & 1) ? sha254_node(sib, cur) : sha254_node(cur, sib);
        pos >>= 1;
    }
    return cur;
}

} // namespace dmc
