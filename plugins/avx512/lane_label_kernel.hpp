// SPDX-License-Identifier: Apache-2.0
//
// The lane engine of batch PC1 (docs/algorithms.md, SDR labelling): node v
// of 8 or 16 sectors of one proof type labelled at once, one sector per
// 32-bit lane of the AVX-512 SHA-256 of sha256_lanes.hpp. The sectors share
// the graph, so one parent cache entry serves every lane; their labels are
// kept word-sliced (batch_layout.hpp, words arrangement), so each message
// block is 16 aligned loads. Lanes without a sector compute garbage that is
// never written out.
#pragma once

#include <cstdint>

namespace dmc::avx512 {

// The current layer may be split as in SectorLayerView (sdr_label_kernel.hpp):
// its last ring_mask + 1 nodes in the ring `cur`, the older ones in `cur_old`.
struct LaneLayerView {
    unsigned lanes = 16;              // 8 or 16
    uint8_t *cur = nullptr;           // blocks of this layer (words arrangement), written in node order
    const uint8_t *cur_old = nullptr; // older blocks of this layer (ring_mask < ~0 only)
    const uint8_t *prev = nullptr;    // blocks of the previous layer (unused in layer 1)
    uint64_t ring_mask = ~uint64_t(0);
    // Replica ids word-sliced: replica_words[j·lanes + lane] is the
    // big-endian word j of the lane's replica id (64-byte aligned).
    const uint32_t *replica_words = nullptr;
};

// Labels nodes [begin, end) of `layer` (begin >= 1) for every lane.
// `parents` is the parent cache (14 u32 per node). Nodes below `begin`
// must be final in view.cur.
void label_lane_nodes(const LaneLayerView &view, const uint32_t *parents, uint64_t nodes, uint32_t layer,
                      uint64_t begin, uint64_t end);

// Label of node 0 of `layer` in every lane (the prefix block alone).
void label_lane_node_zero(const LaneLayerView &view, uint32_t layer);

} // namespace dmc::avx512
