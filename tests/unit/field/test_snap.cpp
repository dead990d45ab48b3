// SPDX-License-Identifier: Apache-2.0
//
// SnapDeals primitives: encode/decode/remove-data round trips over arbitrary
// node ranges against a per-node formula, challenge bucketing for every
// allowed size, apex rows from data and from a tree-d file, bad input.
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "damocles/sdk/sha254.hpp"
#include "damocles/sdk/snap.hpp"
#include "field_test_support.hpp"

using dmc::Fr;

TEST_CASE("snap encoding round trips over node ranges", "[field][snap]")
{
    std::mt19937_64 rng(0x5eed0501);
    auto params = dmc::snap_params(1ull << 18);
    REQUIRE(params.ok());
    const Fr phi = dmc::test::random_fr(rng);
    auto encoding = dmc::snap_encoding(*params, phi, 7);
    REQUIRE(encoding.ok());
    CHECK(encoding->rho_shift_bits == 11);
    CHECK_FALSE(dmc::snap_encoding(*params, phi, 6).ok());
    CHECK_FALSE(dmc::snap_encoding(*params, phi, 13).ok());

    const uint64_t first = (5ull << 11) - 300, count = 1000; // crosses a rho boundary
    const auto key = dmc::test::random_nodes(rng, count), data = dmc::test::random_nodes(rng, count);
    std::vector<uint8_t> replica(32 * count), decoded(32 * count), key_again(32 * count);
    REQUIRE(dmc::snap_encode_nodes(*encoding, first, count, key.data(), data.data(), replica.data()).ok());
    for (uint64_t i = 0; i < count; i += 37) {
        const Fr k = *Fr::from_bytes(std::span(key).subspan(32 * i, 32));
        const Fr d = *Fr::from_bytes(std::span(data).subspan(32 * i, 32));
        const Fr rho = dmc::snap_rho(phi, (first + i) >> 11);
        CHECK(*Fr::from_bytes(std::span(replica).subspan(32 * i, 32)) == k + d * rho);
    }
    REQUIRE(dmc::snap_decode_nodes(*encoding, first, count, replica.data(), key.data(), decoded.data()).ok());
    CHECK(decoded == data);
    REQUIRE(dmc::snap_remove_data_nodes(*encoding, first, count, replica.data(), data.data(), key_again.data()).ok());
    CHECK(key_again == key);
    for (size_t i = 0; i < encoding->rhos.size(); i += 31)
        CHECK(encoding->rhos[i] * encoding->rho_inverses[i] == Fr::one());

    // In place, and refusing bad nodes and ranges beyond the sector.
    auto in_place = key;
    REQUIRE(dmc::snap_encode_nodes(*encoding, first, count, in_place.data(), data.data(), in_place.data()).ok());
    CHECK(in_place == replica);
    auto bad = data;
    bad[32 * 10 + 31] = 0xff;
    auto refused = dmc::snap_encode_nodes(*encoding, first, count, key.data(), bad.data(), replica.data());
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message.find("data node " + std::to_string(first + 10)) != std::string::npos);
    CHECK_FALSE(dmc::snap_encode_nodes(*encoding, (1ull << 18) - 10, 11, key.data(), data.data(), replica.data()).ok());
}

TEST_CASE("snap challenges stay in their partition for every size", "[field][snap]")
{
    std::mt19937_64 rng(0x5eed0502);
    for (unsigned log_nodes : {5u, 6u, 7u, 8u, 9u, 10u, 18u, 19u, 24u, 30u, 31u}) {
        auto params = dmc::snap_params(1ull << log_nodes);
        REQUIRE(params.ok());
        const Fr comm_r_new = dmc::test::random_fr(rng);
        const uint64_t span = params->sector_nodes / params->partitions;
        for (uint32_t k = 0; k < params->partitions; ++k) {
            auto challenges = dmc::snap_challenges(*params, comm_r_new, k);
            REQUIRE(challenges.ok());
            REQUIRE(challenges->size() == params->challenges_per_partition);
            for (uint64_t c : *challenges) REQUIRE((c >= k * span && c < (k + 1) * span));
        }
    }
    CHECK_FALSE(dmc::snap_params(48).ok());
    CHECK_FALSE(dmc::snap_params(16).ok());
    CHECK_FALSE(dmc::snap_params(1ull << 32).ok());
}

TEST_CASE("apex rows from data and from a tree-d file agree", "[field][snap]")
{
    std::mt19937_64 rng(0x5eed0503);
    for (uint64_t nodes : {64ull, 1024ull, 1ull << 14}) {
        auto params = dmc::snap_params(nodes);
        REQUIRE(params.ok());
        std::vector<uint8_t> data = dmc::test::random_nodes(rng, nodes);
        // A full tree-d layout (leaves first, root last), built row by row here.
        std::vector<uint8_t> tree_d = data;
        for (uint64_t width = nodes; width > 1; width /= 2) {
            std::vector<uint8_t> next(32 * (width / 2));
            dmc::sha254_level(tree_d.data() + tree_d.size() - 32 * width, next.data(), width / 2);
            tree_d.insert(tree_d.end(), next.begin(), next.end());
        }
        auto from_data = dmc::snap_apex_row_from_data(*params, data);
        auto from_tree = dmc::snap_apex_row_from_tree_d(*params, tree_d);
        REQUIRE(from_data.ok());
        REQUIRE(from_tree.ok());
        CHECK(std::vector<uint8_t>(from_tree->begin(), from_tree->end()) == *from_data);
        CHECK(from_data->size() == 32ull * params->partitions * params->apex_leaf_count);
        CHECK(dmc::sha254_tree_root(*from_data) == dmc::sha254_tree_root(data));
        auto leafs = dmc::snap_apex_leafs(*params, *from_data, params->partitions - 1);
        REQUIRE(leafs.ok());
        CHECK(leafs->size() == params->apex_leaf_count);
        CHECK_FALSE(dmc::snap_apex_leafs(*params, *from_data, params->partitions).ok());
        tree_d.pop_back();
        CHECK_FALSE(dmc::snap_apex_row_from_tree_d(*params, tree_d).ok());
    }
}
