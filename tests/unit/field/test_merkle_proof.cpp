// SPDX-License-Identifier: Apache-2.0
//
// Merkle proofs over compound trees: generation from full trees and from
// level caches (+ leaves) gives the same proof, it verifies against the
// compound root built independently, the path index is the challenge, and
// corrupt or mismatched stores are refused.
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "damocles/sdk/merkle_proof.hpp"
#include "damocles/sdk/poseidon.hpp"
#include "damocles/sdk/poseidon_tree.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "field_test_support.hpp"

using dmc::Fr;
using dmc::TreeShape;

namespace {

struct Sector {
    TreeShape shape;
    uint64_t base_leaves;
    std::vector<uint8_t> leaves;
    std::vector<std::vector<uint8_t>> full, cache;
    unsigned cache_first_row;
    Fr root;
};

Sector make_sector(std::mt19937_64 &rng, TreeShape shape, uint64_t base_leaves, unsigned rows_to_discard)
{
    Sector s{shape, base_leaves, {}, {}, {}, rows_to_discard + 1, Fr::zero()};
    const uint32_t count = shape.base_tree_count();
    s.leaves = dmc::test::random_nodes(rng, count * base_leaves);
    auto geometry = dmc::BaseTreeGeometry::for_leaves(base_leaves);
    REQUIRE(geometry.ok());
    std::vector<Fr> roots;
    for (uint32_t i = 0; i < count; ++i) {
        const uint8_t *leaves = s.leaves.data() + 32 * i * base_leaves;
        s.full.emplace_back(32 * geometry->total_nodes());
        s.cache.emplace_back(32 * geometry->stored_nodes(s.cache_first_row));
        auto root = dmc::build_base_tree(leaves, base_leaves, s.full.back().data(), 0);
        REQUIRE(dmc::build_base_tree(leaves, base_leaves, s.cache.back().data(), s.cache_first_row).ok());
        REQUIRE(root.ok());
        roots.push_back(*root);
    }
    // The compound root, spelled out independently of compound_root().
    if (shape.sub_arity == 0) {
        s.root = roots[0];
    } else if (shape.top_arity == 0) {
        s.root = dmc::poseidon_hash(shape.sub_arity, roots);
    } else {
        std::vector<Fr> subs;
        for (uint32_t g = 0; g < shape.top_arity; ++g)
            subs.push_back(dmc::poseidon_hash(
                shape.sub_arity, std::span<const Fr>(roots).subspan(g * shape.sub_arity, shape.sub_arity)));
        s.root = dmc::poseidon_hash(shape.top_arity, subs);
    }
    return s;
}

std::vector<dmc::StoredBaseTree> stored(const std::vector<std::vector<uint8_t>> &files, unsigned first_row)
{
    std::vector<dmc::StoredBaseTree> out;
    for (const auto &file : files) out.push_back({file, first_row});
    return out;
}

} // namespace

TEST_CASE("proofs from full trees and from level caches agree and verify", "[field][tree][proof]")
{
    std::mt19937_64 rng(0x5eed0301);
    const struct {
        TreeShape shape;
        uint64_t base_leaves;
        unsigned rows_to_discard;
    } cases[] = {
        {{8, 0, 0}, 64, 1}, {{8, 0, 0}, 4096, 2}, {{8, 8, 0}, 512, 2}, {{8, 8, 2}, 64, 1}, {{8, 8, 2}, 512, 0}};
    for (const auto &c : cases) {
        Sector s = make_sector(rng, c.shape, c.base_leaves, c.rows_to_discard);
        auto compound = dmc::compound_root(c.shape, [&] {
            std::vector<Fr> roots;
            for (const auto &file : s.full) roots.push_back(*Fr::from_bytes(std::span(file).last(32)));
            return roots;
        }());
        REQUIRE(compound.ok());
        REQUIRE(*compound == s.root);
        const uint64_t total = c.shape.base_tree_count() * c.base_leaves;
        std::vector<uint64_t> challenges = {0, 1, 7, 8, total - 1, total / 2, total / 3};
        for (int i = 0; i < 20; ++i) challenges.push_back(rng() % total);
        for (uint64_t challenge : challenges) {
            INFO("shape (8," << c.shape.sub_arity << "," << c.shape.top_arity << "), " << c.base_leaves
                             << " leaves per base tree, challenge " << challenge);
            auto from_full = dmc::generate_merkle_proof(c.shape, c.base_leaves, stored(s.full, 0), {}, challenge);
            auto from_cache = dmc::generate_merkle_proof(c.shape, c.base_leaves, stored(s.cache, s.cache_first_row),
                                                         s.leaves, challenge);
            REQUIRE(from_full.ok());
            REQUIRE(from_cache.ok());
            CHECK(from_full->leaf == *Fr::from_bytes(std::span(s.leaves).subspan(32 * challenge, 32)));
            CHECK(from_full->leaf == from_cache->leaf);
            REQUIRE(from_full->path.size() == from_cache->path.size());
            for (size_t l = 0; l < from_full->path.size(); ++l) {
                CHECK(from_full->path[l].index == from_cache->path[l].index);
                CHECK(from_full->path[l].siblings == from_cache->path[l].siblings);
            }
            CHECK(from_full->root == s.root);
            CHECK(from_full->leaf_index() == challenge);
            CHECK(dmc::verify_merkle_proof(*from_full, c.shape, c.base_leaves));
            CHECK(dmc::verify_merkle_proof(*from_cache, c.shape, c.base_leaves));
        }
    }
}

TEST_CASE("proof generation refuses corrupt or mismatched stores", "[field][tree][proof]")
{
    std::mt19937_64 rng(0x5eed0302);
    Sector s = make_sector(rng, {8, 8, 0}, 512, 2);
    const uint64_t challenge = 3 * 512 + 100;

    // A replica node changed under the cache: its segment no longer hashes to the cached row.
    auto leaves = s.leaves;
    leaves[32 * challenge] ^= 1;
    auto mismatch = dmc::generate_merkle_proof(s.shape, 512, stored(s.cache, 3), leaves, challenge);
    REQUIRE_FALSE(mismatch.ok());
    CHECK(mismatch.error().code == dmc::Errc::corrupt);

    // A truncated store file.
    auto cache = s.cache;
    cache[3].resize(cache[3].size() - 32);
    auto short_file = dmc::generate_merkle_proof(s.shape, 512, stored(cache, 3), s.leaves, challenge);
    REQUIRE_FALSE(short_file.ok());
    CHECK(short_file.error().code == dmc::Errc::corrupt);

    // A non-canonical node in a stored row.
    auto full = s.full;
    const auto r = dmc::fr_modulus_bytes();
    std::copy(r.begin(), r.end(), full[3].begin() + 32 * (512 + 13)); // row 1 node 13: a sibling of row 1
    auto bad_node = dmc::generate_merkle_proof(s.shape, 512, stored(full, 0), {}, 3 * 512 + 8 * 12);
    REQUIRE_FALSE(bad_node.ok());
    CHECK(bad_node.error().code == dmc::Errc::corrupt);

    CHECK_FALSE(dmc::generate_merkle_proof(s.shape, 512, stored(s.full, 0), {}, 8 * 512).ok()); // out of range
    CHECK_FALSE(dmc::generate_merkle_proof(s.shape, 512, stored(s.cache, 3), {}, 0).ok());      // cache needs leaves
    CHECK_FALSE(dmc::generate_merkle_proof({8, 8, 2}, 512, stored(s.full, 0), {}, 0).ok());     // wrong tree count
}
