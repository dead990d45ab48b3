// SPDX-License-Identifier: Apache-2.0
//
// SHA-NI SDR labelling kernel (docs/algorithms.md §7) of the avx512 plugin: the labels of
// a range of nodes of one layer, for 1 to 3 sectors that share the graph (a
// fused PC1 vertex), their SHA-256 chains interleaved in one thread.
#pragma once

#include <cstdint>
#include <span>

namespace dmc::avx512 {

// Interleaving more chains than this per thread measured slower on Zen 5
// (register pressure: SHA instructions only reach xmm0-15), so the stage
// splits larger groups.
inline constexpr unsigned kMaxInterleavedSectors = 3;

// One sector's view of the layer being labelled. Node v's label is at
// v·pitch: 32 for a sector's own buffer, the block size when the sector is
// a slot of a batch's interleaved blocks (batch_layout.hpp, bytes).
//
// The current layer may be split (the batch path): its last ring_mask + 1
// nodes (a power of two) in a ring, node v at (v & ring_mask)·pitch of
// `cur`, and the nodes before them in `cur_old` (a mapping of the layer's
// file). With the default mask every node is in `cur`.
struct SectorLayerView {
    uint8_t *cur = nullptr;           // labels of this layer, written in node order
    const uint8_t *cur_old = nullptr; // this layer's older labels (ring_mask < ~0 only)
    const uint8_t *prev = nullptr;    // the previous layer (unused in layer 1)
    uint64_t pitch = 32;
    uint64_t ring_mask = ~uint64_t(0);
    uint32_t replica_words[8] = {}; // replica id as the prefix block's big-endian words 0..7

    // Where the label of base parent `parent` of node `node` is.
    const uint8_t *base_label(uint64_t node, uint32_t parent) const
    {
        return node - parent <= ring_mask ? cur + (parent & ring_mask) * pitch : cur_old + uint64_t(parent) * pitch;
    }
};

// Labels nodes [begin, end) of `layer` (begin >= 1; node 0 has no parents)
// for every sector of `sectors` (1..kMaxInterleavedSectors). `parents` is
// the parent cache (14 u32 per node). Nodes below `begin` must be final.
void label_nodes(std::span<const SectorLayerView> sectors, const uint32_t *parents, uint64_t nodes, uint32_t layer,
                 uint64_t begin, uint64_t end);

// Label of node 0 of `layer` (the prefix block alone, padded).
void label_node_zero(const SectorLayerView &sector, uint32_t layer);

// Chained single-stream compressions per second of this kernel's SHA-NI
// block function over `blocks` blocks (the PC1 bound's unit); for benches.
double sha_ni_chained_blocks_per_second(uint64_t blocks);

} // namespace dmc::avx512
