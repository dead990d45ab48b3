// SPDX-License-Identifier: Apache-2.0
//
// SDR graph invariants: base parents precede the node, the predecessor sits
// in the slot of its API version, expander parents are in range, Feistel is a
// permutation, and the legacy 32GiB pathology (V1 expander parents < 2^29).
#include <catch2/catch.hpp>

#include <random>
#include <set>

#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/sdr_graph.hpp"

using namespace dmc;

namespace {

const SealProof &proof_named(const char *name)
{
    auto p = find_seal_proof(name);
    REQUIRE(p.ok());
    return **p;
}

} // namespace

TEST_CASE("base parents precede the node; the predecessor slot depends on the API version", "[sdr][graph]")
{
    std::mt19937_64 rng(9);
    for (const char *name : {"StackedDrg8MiBV1", "StackedDrg8MiBV1_1", "StackedDrg32GiBV1", "StackedDrg32GiBV1_1"}) {
        const SealProof &proof = proof_named(name);
        const SdrGraph graph = SdrGraph::for_proof(proof);
        INFO(name);
        for (int i = 0; i < 2000; ++i) {
            const uint64_t v = 2 + rng() % (graph.nodes() - 2);
            uint32_t p[kParentCount];
            graph.parents(v, p);
            for (unsigned k = 0; k < kBaseDegree; ++k) CHECK(p[k] < v);
            CHECK(p[proof.api_v1_1_or_later() ? 0 : kBaseDegree - 1] == v - 1);
            for (unsigned k = kBaseDegree; k < kParentCount; ++k) CHECK(p[k] < graph.nodes());
        }
    }
}

TEST_CASE("legacy V1 32GiB/64GiB graphs never have an expander parent >= 2^29", "[sdr][graph]")
{
    std::mt19937_64 rng(10);
    for (const char *name : {"StackedDrg32GiBV1", "StackedDrg64GiBV1"}) {
        const SdrGraph graph = SdrGraph::for_proof(proof_named(name));
        for (int i = 0; i < 3000; ++i) {
            const uint64_t v = rng() % graph.nodes();
            for (unsigned k = 0; k < kExpanderDegree; ++k) CHECK(graph.expander_parent(v, k) < (uint64_t(1) << 29));
        }
    }
    // V1_1 64GiB reaches the upper half of the graph.
    const SdrGraph v11 = SdrGraph::for_proof(proof_named("StackedDrg64GiBV1_1"));
    bool high = false;
    for (uint64_t v = 0; v < 64 && !high; ++v)
        for (unsigned k = 0; k < kExpanderDegree; ++k) high |= v11.expander_parent(v, k) >= (uint64_t(1) << 30);
    CHECK(high);
}

TEST_CASE("Feistel with cycle walking is a permutation of [0, n)", "[sdr][graph]")
{
    const std::array<uint64_t, 4> keys = {0x1234, 0x5678, 0x9abc, 0xdef0};
    for (uint64_t n : {uint64_t(5), uint64_t(16), uint64_t(17), uint64_t(512), uint64_t(1000), uint64_t(4096)}) {
        const FeistelPrecomputed pre = feistel_precompute(n);
        std::set<uint64_t> seen;
        for (uint64_t i = 0; i < n; ++i) {
            const uint64_t p = feistel_permute(n, i, keys, pre);
            CHECK(p < n);
            seen.insert(p);
        }
        CHECK(seen.size() == n);
    }
}

TEST_CASE("SdrGraph refuses node counts that are not powers of two", "[sdr][graph]")
{
    CHECK_THROWS_AS(SdrGraph(100, Bytes32{}, true), std::invalid_argument);
    CHECK_THROWS_AS(SdrGraph(1, Bytes32{}, true), std::invalid_argument);
    CHECK_NOTHROW(SdrGraph(2, Bytes32{}, true));
}

TEST_CASE("nodes 0 and 1 have all-zero base parents", "[sdr][graph]")
{
    const SdrGraph graph = SdrGraph::for_proof(proof_named("StackedDrg2KiBV1_1"));
    for (uint64_t v : {uint64_t(0), uint64_t(1)}) {
        uint32_t base[kBaseDegree];
        graph.base_parents(v, base);
        for (uint32_t p : base) CHECK(p == 0);
    }
}
