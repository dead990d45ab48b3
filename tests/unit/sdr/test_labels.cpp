// SPDX-License-Identifier: Apache-2.0
//
// The label primitive against SHA-256 of the explicitly built 1248-byte
// preimage (docs/algorithms.md §7), and label_node's argument checks.
#include <catch2/catch.hpp>

#include <random>

#include <openssl/sha.h>

#include "damocles/sdk/labels.hpp"

using namespace dmc;

namespace {

// trunc254(SHA256(prefix || 37 labels)) with the preimage spelled out.
Bytes32 label_from_preimage(const Bytes32 &replica_id, uint32_t layer, uint64_t node,
                            const std::vector<Bytes32> &parents)
{
    std::vector<uint8_t> pre(replica_id.begin(), replica_id.end());
    for (int i = 3; i >= 0; --i) pre.push_back(static_cast<uint8_t>(layer >> (8 * i)));
    for (int i = 7; i >= 0; --i) pre.push_back(static_cast<uint8_t>(node >> (8 * i)));
    pre.resize(64, 0);
    for (unsigned i = 0; i < kLabelRepeatedParents; ++i) {
        const Bytes32 &p = parents[i % parents.size()];
        pre.insert(pre.end(), p.begin(), p.end());
    }
    REQUIRE(pre.size() == 1248);
    Bytes32 out;
    SHA256(pre.data(), pre.size(), out.data());
    out[31] &= 0x3f;
    return out;
}

Bytes32 random32(std::mt19937_64 &rng)
{
    Bytes32 b;
    for (auto &x : b) x = static_cast<uint8_t>(rng());
    return b;
}

} // namespace

TEST_CASE("labels from the precomputed prefix state equal SHA-256 of the full preimage", "[sdr][labels]")
{
    std::mt19937_64 rng(11);
    for (int round = 0; round < 200; ++round) {
        const Bytes32 rid = random32(rng);
        const uint32_t layer = 1 + static_cast<uint32_t>(rng() % 11);
        const uint64_t node = 1 + rng() % (uint64_t(1) << 31);
        std::vector<Bytes32> parents(layer == 1 ? kBaseDegree : kParentCount);
        for (auto &p : parents) p = random32(rng);
        auto label = label_node(rid, layer, node, parents);
        REQUIRE(label.ok());
        CHECK(*label == label_from_preimage(rid, layer, node, parents));
    }
}

TEST_CASE("node 0 hashes the prefix block only", "[sdr][labels]")
{
    std::mt19937_64 rng(12);
    const Bytes32 rid = random32(rng);
    uint8_t prefix[64];
    label_prefix(rid, 7, 0, prefix);
    Bytes32 expected;
    SHA256(prefix, 64, expected.data());
    expected[31] &= 0x3f;
    auto label = label_node(rid, 7, 0, {});
    REQUIRE(label.ok());
    CHECK(*label == expected);
}

TEST_CASE("label_node checks the parent count for the node and layer", "[sdr][labels]")
{
    const std::vector<Bytes32> six(6), fourteen(14);
    CHECK_FALSE(label_node(Bytes32{}, 1, 5, fourteen).ok());
    CHECK_FALSE(label_node(Bytes32{}, 2, 5, six).ok());
    CHECK_FALSE(label_node(Bytes32{}, 2, 0, six).ok());
    CHECK_FALSE(label_node(Bytes32{}, 0, 5, six).ok());
    auto r = label_node(Bytes32{}, 2, 5, six);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("hashes 14 parent labels, got 6"));
}
