// SPDX-License-Identifier: Apache-2.0
//
// The SDR graph (docs/algorithms.md §6): every node v has 6 base (DRG) parents from
// ChaCha8 bucket sampling and 8 expander parents from a 3-round Feistel
// permutation over N·8 elements. Both depend only on (N, porep_id, API
// version): API 1.0.0 puts the predecessor v−1 last among the base parents
// and truncates permuted expander indexes to u32; API >= 1.1.0 puts the
// predecessor first and does not truncate.
//
// Parents are returned in hashing order (docs/algorithms.md §6.4) and are never sorted
// or de-duplicated.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/proof.hpp"

namespace dmc {

inline constexpr unsigned kBaseDegree = 6;
inline constexpr unsigned kExpanderDegree = 8;
inline constexpr unsigned kParentCount = kBaseDegree + kExpanderDegree;

// docs/algorithms.md §6.1: drg_seed = SHA256("Filecoin_DRSample" || porep_id)[0..28];
// feistel_keys = the four u64_le words of SHA256("Filecoin_Feistel" || porep_id).
struct GraphSeeds {
    std::array<uint8_t, 28> drg_seed{};
    std::array<uint64_t, 4> feistel_keys{};
};
GraphSeeds derive_graph_seeds(const Bytes32 &porep_id);

// Feistel permutation of storage-proofs-core crypto/feistel.rs.
struct FeistelPrecomputed {
    uint64_t left_mask = 0;
    uint64_t right_mask = 0;
    uint64_t half_bits = 0;
};
// Smallest k >= 1 with 4^k >= num_elements.
FeistelPrecomputed feistel_precompute(uint64_t num_elements);
// One pass of the 3 rounds (keys[0..2]; keys[3] is unused, as upstream).
uint64_t feistel_encode(uint64_t index, const std::array<uint64_t, 4> &keys, const FeistelPrecomputed &pre);
// encode() with cycle walking until the value is < num_elements. `chain`,
// when given, receives every encode() output in order (for traces).
uint64_t feistel_permute(uint64_t num_elements, uint64_t index, const std::array<uint64_t, 4> &keys,
                         const FeistelPrecomputed &pre, std::vector<uint64_t> *chain = nullptr);

// Number of buckets for metagraph node `meta` >= 2: ceil(log2(meta)).
inline unsigned drg_bucket_count(uint64_t meta) { return 64u - static_cast<unsigned>(__builtin_clzll(meta - 1)); }

// One draw of bucket sampling (docs/algorithms.md §6.2), for traces and tests.
struct BucketDraw {
    uint64_t u64_a = 0;  // first next_u64(): selects the bucket
    uint64_t bucket = 0; // 1 + u64_a mod n_buckets
    uint64_t largest = 0;
    uint64_t smallest = 0;
    uint64_t u64_b = 0; // second next_u64(): distance inside the bucket
    uint64_t distance = 0;
    uint64_t parent = 0;
};

class SdrGraph {
public:
    // nodes: a power of two in [2, 2^32].
    SdrGraph(uint64_t nodes, const Bytes32 &porep_id, bool api_v1_1_or_later);
    static SdrGraph for_proof(const SealProof &proof);

    uint64_t nodes() const { return nodes_; }
    bool api_v1_1_or_later() const { return api_v1_1_; }
    const Bytes32 &porep_id() const { return porep_id_; }
    const GraphSeeds &seeds() const { return seeds_; }
    const FeistelPrecomputed &feistel() const { return feistel_; }

    // The ChaCha8 seed of node v: drg_seed || u32_le(v).
    std::array<uint8_t, 32> chacha_seed(uint64_t node) const;
    // out[0..6]; `trace`, when given, receives the 5 draws (nodes >= 2).
    void base_parents(uint64_t node, uint32_t *out, BucketDraw *trace = nullptr) const;
    // out[0..8].
    void expander_parents(uint64_t node, uint32_t *out) const;
    // Expander parent i of node (permute(v·8 + i) / 8, V1 truncation applied).
    uint64_t expander_parent(uint64_t node, unsigned i) const;
    // out[0..14] = base ++ expander: one parent-cache entry.
    void parents(uint64_t node, uint32_t *out) const;

private:
    uint64_t nodes_;
    Bytes32 porep_id_;
    bool api_v1_1_;
    GraphSeeds seeds_;
    FeistelPrecomputed feistel_;
};

// Upstream identifier of the stacked graph (feeds the parent cache name):
//   stacked_graph::StackedGraph{expansion_degree: 8 base_graph:
//   drgraph::BucketGraph{size: N; degree: 6; hasher: poseidon_hasher} }
// (one line, a single space where this comment breaks).
std::string graph_identifier(uint64_t nodes);
// Upstream identifier of the interactive PoRep public parameters (the graph,
// layers, challenges per partition and tree shape of `proof`).
std::string public_params_identifier(const SealProof &proof);

} // namespace dmc
