// SPDX-License-Identifier: Apache-2.0
//
// Lane engine of batch PC1 (lane_label_kernel.hpp). A label is SHA-256 over
// the 64-byte prefix block and 37 parent labels (docs/algorithms.md, SDR
// labelling): 20 compressions per node, every lane at once. All twenty go
// through one loop body (a compression is ~1800 instructions of straight-
// line code; three copies of it, for the prefix, the parent blocks and the
// last block, overflowed the 32 KiB instruction cache), and only the
// message words differ:
//   block 0:     replica id words, layer, node (u64 big-endian), zeros;
//   blocks 1-18: labels 2b-2 and 2b-1 of the parent sequence;
//   block 19:    label 36, then the padding (0x80, length 1248·8 bits).
// The parent sequence repeats the 6 base parents (layer 1) or the 6 base +
// 8 expander parents (later layers); base parents are read from this
// layer's blocks, expander parents from the previous layer's.
//
// Prefetching: while node v is hashed, the parents of node v+kAhead are
// prefetched, one parent block per message block, spread over the chain
// (as the SHA-NI kernel does, sdr_label_kernel.cpp). A node takes a few
// microseconds here, so two nodes ahead covers a page walk and a DRAM miss.
#include "lane_label_kernel.hpp"

#include "intrinsics.hpp"
#include "sha256_lanes.hpp"

namespace dmc::avx512 {

namespace {

constexpr unsigned kParentCount = 14;
constexpr unsigned kBaseParents = 6;
constexpr uint64_t kAhead = 2;
constexpr uint32_t kMessageBits = (64 + 37 * 32) * 8;
// trunc254 clears the two top bits of the label's last byte, which is the
// lowest byte of big-endian word 7.
constexpr uint32_t kTrunc254Mask = 0xffffff3fu;

template <class L>
struct Kernel {
    using V = typename L::V;
    static constexpr uint64_t kPitch = uint64_t(L::kLanes) * 32;
    static constexpr unsigned kLinesPerBlock = kPitch / 64;

    static const uint8_t *block(const uint8_t *base, uint32_t node) { return base + uint64_t(node) * kPitch; }

    static void load_words(const uint8_t *block, V *w)
    {
        for (unsigned j = 0; j < 8; ++j) w[j] = L::load(block + j * (kPitch / 8));
    }

    static void prefix(const LaneLayerView &view, uint32_t layer, uint64_t node, V (&w)[16])
    {
        for (unsigned j = 0; j < 8; ++j) w[j] = L::load(view.replica_words + j * L::kLanes);
        w[8] = L::set1(layer);
        w[9] = L::set1(static_cast<uint32_t>(node >> 32));
        w[10] = L::set1(static_cast<uint32_t>(node));
        for (unsigned j = 11; j < 16; ++j) w[j] = L::set1(0);
    }

    static void store_label(const LaneState<L> &state, uint8_t *out)
    {
        for (unsigned j = 0; j < 7; ++j) L::store(out + j * (kPitch / 8), state.h[j]);
        L::store(out + 7 * (kPitch / 8), L::band(state.h[7], L::set1(kTrunc254Mask)));
    }

    template <bool kLayer1>
    static void prefetch_parent(const LaneLayerView &view, const uint32_t *ahead, unsigned block)
    {
        // Blocks 1..13 prefetch parents 1..13 (parent 0 is node v+kAhead-1,
        // not labelled yet); layer 1 has base parents only.
        constexpr unsigned kLast = kLayer1 ? kBaseParents - 1 : kParentCount - 1;
        if (block < 1 || block > kLast) return;
        const uint8_t *base = block < kBaseParents ? view.cur : view.prev;
        const char *p = reinterpret_cast<const char *>(Kernel::block(base, ahead[block]));
        for (unsigned line = 0; line < kLinesPerBlock; ++line) _mm_prefetch(p + 64 * line, _MM_HINT_T0);
    }

    template <bool kLayer1>
    static void label_range(const LaneLayerView &view, const uint32_t *parents, uint64_t nodes, uint32_t layer,
                            uint64_t begin, uint64_t end)
    {
        constexpr unsigned kCount = kLayer1 ? kBaseParents : kParentCount;
        for (uint64_t v = begin; v < end; ++v) {
            const uint32_t *entry = parents + v * kParentCount;
            const uint32_t *ahead = parents + (v + kAhead < nodes ? v + kAhead : v) * kParentCount;
            const uint8_t *source[kParentCount];
            for (unsigned i = 0; i < kCount; ++i) source[i] = block(i < kBaseParents ? view.cur : view.prev, entry[i]);
            LaneState<L> state = LaneState<L>::initial();
            V w[16];
            prefix(view, layer, v, w);
            compress_lanes<L>(state, w);
            unsigned label = 0; // index into the 37-label sequence, mod kCount
            for (unsigned b = 1; b < 20; ++b) {
                prefetch_parent<kLayer1>(view, ahead, b);
                load_words(source[label], w);
                label = label + 1 == kCount ? 0 : label + 1;
                if (b < 19) {
                    load_words(source[label], w + 8);
                    label = label + 1 == kCount ? 0 : label + 1;
                } else {
                    w[8] = L::set1(0x80000000u);
                    for (unsigned j = 9; j < 15; ++j) w[j] = L::set1(0);
                    w[15] = L::set1(kMessageBits);
                }
                compress_lanes<L>(state, w);
            }
            store_label(state, view.cur + v * kPitch);
        }
    }

    static void node_zero(const LaneLayerView &view, uint32_t layer)
    {
        LaneState<L> state = LaneState<L>::initial();
        V w[16];
        prefix(view, layer, 0, w);
        compress_lanes<L>(state, w);
        w[0] = L::set1(0x80000000u);
        for (unsigned j = 1; j < 15; ++j) w[j] = L::set1(0);
        w[15] = L::set1(512);
        compress_lanes<L>(state, w);
        store_label(state, view.cur);
    }
};

} // namespace

void label_lane_nodes(const LaneLayerView &view, const uint32_t *parents, uint64_t nodes, uint32_t layer,
                      uint64_t begin, uint64_t end)
{
    if (view.lanes == 16) {
        if (layer == 1) return Kernel<Lanes16>::label_range<true>(view, parents, nodes, layer, begin, end);
        return Kernel<Lanes16>::label_range<false>(view, parents, nodes, layer, begin, end);
    }
    if (layer == 1) return Kernel<Lanes8>::label_range<true>(view, parents, nodes, layer, begin, end);
    return Kernel<Lanes8>::label_range<false>(view, parents, nodes, layer, begin, end);
}

void label_lane_node_zero(const LaneLayerView &view, uint32_t layer)
{
    if (view.lanes == 16) return Kernel<Lanes16>::node_zero(view, layer);
    return Kernel<Lanes8>::node_zero(view, layer);
}

} // namespace dmc::avx512
