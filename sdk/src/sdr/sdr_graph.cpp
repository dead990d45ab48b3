// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/sdr_graph.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include <blake2.h>

#include "damocles/sdk/chacha.hpp"
#include "damocles/sdk/sha254.hpp"

namespace dmc {

namespace {

Bytes32 tagged_sha256(const char *tag, const Bytes32 &porep_id)
{
    const size_t tag_len = std::strlen(tag);
    std::vector<uint8_t> pre(tag_len + 32);
    std::memcpy(pre.data(), tag, tag_len);
    std::memcpy(pre.data() + tag_len, porep_id.data(), 32);
    return sha256(pre);
}

// The unkeyed BLAKE2b-512 state right after initialisation, shared
// read-only: copying it is cheaper than re-running the parameter setup for
// each of the ~50 hashes per node of parent generation.
const blake2b_state &blake2b_512_initial_state()
{
    static const blake2b_state state = [] {
        blake2b_state s;
        blake2b_init(&s, 64);
        return s;
    }();
    return state;
}

// F(R, key) = first 8 bytes (big-endian) of BLAKE2b-512(u64_be(R) || u64_be(key)), masked.
uint64_t feistel_round(uint64_t right, uint64_t key, uint64_t right_mask)
{
    uint8_t data[16];
    for (int i = 0; i < 8; ++i) {
        data[i] = static_cast<uint8_t>(right >> (56 - 8 * i));
        data[8 + i] = static_cast<uint8_t>(key >> (56 - 8 * i));
    }
    uint8_t hash[64];
    blake2b_state state = blake2b_512_initial_state();
    blake2b_update(&state, data, sizeof data);
    blake2b_final(&state, hash, sizeof hash);
    uint64_t r = 0;
    for (int i = 0; i < 8; ++i) r = r << 8 | hash[i];
    return r & right_mask;
}

} // namespace

GraphSeeds derive_graph_seeds(const Bytes32 &porep_id)
{
    GraphSeeds s;
    const Bytes32 drg = tagged_sha256("Filecoin_DRSample", porep_id);
    std::memcpy(s.drg_seed.data(), drg.data(), s.drg_seed.size());
    const Bytes32 feistel = tagged_sha256("Filecoin_Feistel", porep_id);
    for (int k = 0; k < 4; ++k) {
        uint64_t v = 0;
        for (int i = 7; i >= 0; --i) v = v << 8 | feistel[8 * k + i];
        s.feistel_keys[k] = v;
    }
    return s;
}

FeistelPrecomputed feistel_precompute(uint64_t num_elements)
{
    uint64_t next_pow4 = 4;
    uint64_t log4 = 1;
    while (next_pow4 < num_elements) {
        next_pow4 *= 4;
        ++log4;
    }
    FeistelPrecomputed p;
    p.right_mask = (uint64_t(1) << log4) - 1;
    p.left_mask = p.right_mask << log4;
    p.half_bits = log4;
    return p;
}

uint64_t feistel_encode(uint64_t index, const std::array<uint64_t, 4> &keys, const FeistelPrecomputed &pre)
{
    uint64_t left = (index & pre.left_mask) >> pre.half_bits;
    uint64_t right = index & pre.right_mask;
    for (int round = 0; round < 3; ++round) {
        const uint64_t next_right = left ^ feistel_round(right, keys[round], pre.right_mask);
        left = right;
        right = next_right;
    }
    return left << pre.half_bits | right;
}

uint64_t feistel_permute(uint64_t num_elements, uint64_t index, const std::array<uint64_t, 4> &keys,
                         const FeistelPrecomputed &pre, std::vector<uint64_t> *chain)
{
    uint64_t u = feistel_encode(index, keys, pre);
    if (chain) chain->push_back(u);
    while (u >= num_elements) {
        u = feistel_encode(u, keys, pre);
        if (chain) chain->push_back(u);
    }
    return u;
}

SdrGraph::SdrGraph(uint64_t nodes, const Bytes32 &porep_id, bool api_v1_1_or_later)
    : nodes_(nodes), porep_id_(porep_id), api_v1_1_(api_v1_1_or_later), seeds_(derive_graph_seeds(porep_id)),
      feistel_(feistel_precompute(nodes * kExpanderDegree))
{
    if (nodes < 2 || (nodes & (nodes - 1)) != 0 || nodes > (uint64_t(1) << 32))
        throw std::invalid_argument("SdrGraph: node count must be a power of two in [2, 2^32]");
}

SdrGraph SdrGraph::for_proof(const SealProof &proof)
{
    return SdrGraph(proof.nodes(), proof.porep_id(), proof.api_v1_1_or_later());
}

std::array<uint8_t, 32> SdrGraph::chacha_seed(uint64_t node) const
{
    std::array<uint8_t, 32> seed{};
    std::memcpy(seed.data(), seeds_.drg_seed.data(), 28);
    for (int i = 0; i < 4; ++i) seed[28 + i] = static_cast<uint8_t>(node >> (8 * i));
    return seed;
}

void SdrGraph::base_parents(uint64_t node, uint32_t *out, BucketDraw *trace) const
{
    if (node < 2) {
        std::fill(out, out + kBaseDegree, 0u);
        return;
    }
    ChaCha8Rng rng(chacha_seed(node));
    const uint64_t meta = node * (kBaseDegree - 1);
    const uint64_t n_buckets = drg_bucket_count(meta);
    // docs/algorithms.md §6.2: V1 fills slots 0..4 and ends with the predecessor; V1_1
    // starts with the predecessor and fills 1..5.
    const unsigned first_slot = api_v1_1_ ? 1 : 0;
    for (unsigned k = 0; k < kBaseDegree - 1; ++k) {
        BucketDraw d;
        d.u64_a = rng.next_u64();
        d.bucket = d.u64_a % n_buckets + 1;
        d.largest = std::min<uint64_t>(meta, uint64_t(1) << d.bucket);
        d.smallest = std::max<uint64_t>(2, d.largest >> 1);
        d.u64_b = rng.next_u64();
        d.distance = d.smallest + d.u64_b % (d.largest - d.smallest + 1);
        d.parent = (meta - d.distance) / (kBaseDegree - 1);
        const uint64_t parent = d.parent == node ? node - 1 : d.parent;
        out[first_slot + k] = static_cast<uint32_t>(parent);
        if (trace) trace[k] = d;
    }
    out[api_v1_1_ ? 0 : kBaseDegree - 1] = static_cast<uint32_t>(node - 1);
}

uint64_t SdrGraph::expander_parent(uint64_t node, unsigned i) const
{
    const uint64_t permuted =
        feistel_permute(nodes_ * kExpanderDegree, node * kExpanderDegree + i, seeds_.feistel_keys, feistel_);
    // docs/algorithms.md §6.3: API 1.0.0 truncates to u32 before dividing (only matters
    // for 32GiB/64GiB, where N·8 > 2^32).
    const uint64_t t = api_v1_1_ ? permuted : (permuted & 0xffffffffull);
    return t / kExpanderDegree;
}

void SdrGraph::expander_parents(uint64_t node, uint32_t *out) const
{
    for (unsigned i = 0; i < kExpanderDegree; ++i) out[i] = static_cast<uint32_t>(expander_parent(node, i));
}

void SdrGraph::parents(uint64_t node, uint32_t *out) const
{
    base_parents(node, out);
    expander_parents(node, out + kBaseDegree);
}

std::string graph_identifier(uint64_t nodes)
{
    return "stacked_graph::StackedGraph{expansion_degree: 8 base_graph: drgraph::BucketGraph{size: " +
           std::to_string(nodes) + "; degree: 6; hasher: poseidon_hasher} }";
}

std::string public_params_identifier(const SealProof &proof)
{
    std::string tree = "merkletree-poseidon_hasher-" + std::to_string(proof.shape.base_arity) + "-" +
                       std::to_string(proof.shape.sub_arity) + "-" + std::to_string(proof.shape.top_arity);
    return "layered_drgporep::PublicParams{ graph: " + graph_identifier(proof.nodes()) +
           ", challenges: LayerChallenges { layers: " + std::to_string(proof.layers) +
           ", max_count: " + std::to_string(proof.challenges_per_partition) + " }, tree: " + tree + " }";
}

} // namespace dmc
