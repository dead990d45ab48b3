// SPDX-License-Identifier: Apache-2.0
//
// SDR labels (docs/algorithms.md §7): the label of node v in layer l is
//   trunc254(SHA256(prefix(l, v) || 37 parent labels))
// with prefix = replica_id || u32_be(l) || u64_be(v) || 20 zero bytes (one
// SHA-256 block). Layer 1 hashes the 6 base parents of the current layer
// (P0..P5 six times, then P0); later layers hash the 6 base parents of the
// current layer and the 8 expander parents of the previous one (P0..P13
// twice, then P0..P8). Node 0 hashes the prefix only.
//
// The prefix block does not depend on any label, so its compression can be
// done ahead of time (another thread, a batch): LabelPrefixState holds the
// SHA-256 chaining value after it and label_from_state() finishes the hash.
// The parent sequence is fed from the 6 or 14 labels directly; both 192 and
// 448 bytes are whole SHA-256 blocks, so no 1184-byte copy is built.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/result.hpp"
#include "damocles/sdk/sdr_graph.hpp"

namespace dmc {

inline constexpr unsigned kLabelRepeatedParents = 37;

// SHA-256 chaining value after the 64-byte prefix block.
struct LabelPrefixState {
    uint32_t h[8];
};

// The 64-byte prefix of docs/algorithms.md §7.
void label_prefix(const Bytes32 &replica_id, uint32_t layer, uint64_t node, uint8_t *out64);
LabelPrefixState label_prefix_state(const Bytes32 &replica_id, uint32_t layer, uint64_t node);

// Label of a node >= 1 from its parents' labels, contiguous: 6 labels (192
// bytes) in layer 1, 14 labels (448 bytes, base then expander) in later
// layers. `parent_count` is 6 or 14.
void label_from_state(const LabelPrefixState &prefix, const uint8_t *parent_labels, unsigned parent_count,
                      uint8_t *out32);

// Label of node 0 (no parents, any layer).
void label_node0(const Bytes32 &replica_id, uint32_t layer, uint8_t *out32);

// One label from scratch, as a verifier recomputes it: parent_labels must
// hold 0 labels for node 0, 6 in layer 1, 14 in later layers.
Result<Bytes32> label_node(const Bytes32 &replica_id, uint32_t layer, uint64_t node,
                           std::span<const Bytes32> parent_labels);

// Reference implementation for tests: every layer in memory (layers[l-1] =
// N·32 bytes of layer l), parents computed from the graph. Small graphs only.
std::vector<std::vector<uint8_t>> compute_layers_reference(const SdrGraph &graph, const Bytes32 &replica_id,
                                                           uint32_t layers);

} // namespace dmc
