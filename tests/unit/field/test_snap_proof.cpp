// SPDX-License-Identifier: Apache-2.0
//
// SnapDeals vanilla partition proofs: a full update of small sectors of each
// tree shape (single, 8-ary sub-tree, 8x2 top tree), every partition proved
// from level caches and verified; tampering anywhere is caught.
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "damocles/sdk/poseidon_tree.hpp"
#include "damocles/sdk/sha254.hpp"
#include "damocles/sdk/snap.hpp"
#include "damocles/sdk/snap_proof.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "field_test_support.hpp"

using dmc::Fr;
using dmc::TreeShape;

namespace {

struct RTree {
    std::vector<std::vector<uint8_t>> caches;
    std::vector<dmc::StoredBaseTree> stored;
    Fr root = Fr::zero();
};

RTree build_tree_r(const std::vector<uint8_t> &replica, const TreeShape &shape, uint64_t base_leaves)
{
    RTree t;
    auto geometry = dmc::BaseTreeGeometry::for_leaves(base_leaves);
    REQUIRE(geometry.ok());
    const unsigned first_row = dmc::default_rows_to_discard(base_leaves) + 1;
    std::vector<Fr> roots;
    for (uint32_t i = 0; i < shape.base_tree_count(); ++i) {
        t.caches.emplace_back(32 * geometry->stored_nodes(first_row));
        auto root =
            dmc::build_base_tree(replica.data() + 32 * i * base_leaves, base_leaves, t.caches.back().data(), first_row);
        REQUIRE(root.ok());
        roots.push_back(*root);
    }
    for (const auto &cache : t.caches) t.stored.push_back({cache, first_row});
    auto root = dmc::compound_root(shape, roots);
    REQUIRE(root.ok());
    t.root = *root;
    return t;
}

std::vector<uint8_t> full_tree_d(const std::vector<uint8_t> &data)
{
    std::vector<uint8_t> tree = data;
    for (uint64_t width = data.size() / 32; width > 1; width /= 2) {
        std::vector<uint8_t> next(32 * (width / 2));
        dmc::sha254_level(tree.data() + tree.size() - 32 * width, next.data(), width / 2);
        tree.insert(tree.end(), next.begin(), next.end());
    }
    return tree;
}

} // namespace

TEST_CASE("snap partition proofs verify for every shape and catch tampering", "[field][snap][proof]")
{
    std::mt19937_64 rng(0x5eed0601);
    const struct {
        uint64_t nodes;
        TreeShape shape;
    } cases[] = {{64, {8, 0, 0}}, {512, {8, 8, 0}}, {1024, {8, 8, 2}}};
    for (const auto &c : cases) {
        INFO(c.nodes << " nodes");
        auto params = dmc::snap_params(c.nodes);
        REQUIRE(params.ok());
        const uint64_t base_leaves = c.nodes / c.shape.base_tree_count();
        const auto sector_key = dmc::test::random_nodes(rng, c.nodes);
        const auto data = dmc::test::random_nodes(rng, c.nodes);
        const Fr comm_c = dmc::test::random_fr(rng);
        const RTree old_tree = build_tree_r(sector_key, c.shape, base_leaves);
        const auto tree_d = full_tree_d(data);
        dmc::SnapPublicInputs inputs;
        inputs.comm_r_old = dmc::comm_r_from(comm_c, old_tree.root);
        inputs.comm_d_new = dmc::sha254_tree_root(data);
        inputs.h = params->h_default;

        auto encoding =
            dmc::snap_encoding(*params, dmc::snap_phi(*Fr::from_bytes(inputs.comm_d_new), inputs.comm_r_old), inputs.h);
        REQUIRE(encoding.ok());
        std::vector<uint8_t> replica(32 * c.nodes);
        REQUIRE(dmc::snap_encode_nodes(*encoding, 0, c.nodes, sector_key.data(), data.data(), replica.data()).ok());
        const RTree new_tree = build_tree_r(replica, c.shape, base_leaves);
        inputs.comm_r_new = dmc::comm_r_from(comm_c, new_tree.root);

        dmc::SnapProverInputs prover{c.shape,    base_leaves,     comm_c,  old_tree.stored,
                                     sector_key, new_tree.stored, replica, tree_d};
        for (uint32_t k = 0; k < params->partitions; ++k) {
            inputs.k = k;
            auto proof = dmc::snap_prove_partition(*params, inputs, prover);
            REQUIRE(proof.ok());
            auto ok = dmc::snap_verify_partition(*params, c.shape, base_leaves, inputs, *proof);
            REQUIRE(ok.ok());
            CHECK(*ok);

            auto bad = *proof;
            bad.apex_leafs[1][0] ^= 1;
            CHECK_FALSE(*dmc::snap_verify_partition(*params, c.shape, base_leaves, inputs, bad));
            bad = *proof;
            bad.challenge_proofs[3].proof_r_new.leaf += Fr::one();
            CHECK_FALSE(*dmc::snap_verify_partition(*params, c.shape, base_leaves, inputs, bad));
            bad = *proof;
            bad.comm_c += Fr::one();
            CHECK_FALSE(*dmc::snap_verify_partition(*params, c.shape, base_leaves, inputs, bad));
            auto wrong_h = inputs;
            wrong_h.h = params->h_default == 1 ? 1 : params->h_default + 1;
            if (wrong_h.h != inputs.h)
                CHECK_FALSE(*dmc::snap_verify_partition(*params, c.shape, base_leaves, wrong_h, *proof));
            bad = *proof;
            bad.challenge_proofs.pop_back();
            CHECK_FALSE(dmc::snap_verify_partition(*params, c.shape, base_leaves, inputs, bad).ok());
        }
        if (params->partitions > 1) {
            // A proof of partition 0 does not pass as partition 1.
            inputs.k = 0;
            auto proof = dmc::snap_prove_partition(*params, inputs, prover);
            REQUIRE(proof.ok());
            inputs.k = 1;
            CHECK_FALSE(*dmc::snap_verify_partition(*params, c.shape, base_leaves, inputs, *proof));
        }
    }
}
