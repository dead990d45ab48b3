// SPDX-License-Identifier: Apache-2.0
//
// Lane engine of batch PC1 (lane_label_kernel.hpp). A label is SHA-256 over
// the 64-byte prefix block and 37 parent labels (docs/algorithms.md, SDR
// labelling): 20 compressions per node. The 19 parent blocks are compressed
// in the lanes:
//   blocks 1-18: labels 2b-2 and 2b-1 of the parent sequence;
//   block 19:    label 36, then the padding (0x80, length 1248·8 bits).
// The parent sequence repeats the 6 base parents (layer 1) or the 6 base +
// 8 expander parents (later layers); base parents are read from this
// layer's blocks, expander parents from the previous layer's. So the
// blocks repeat with a period of 3 (layer 1) or 7 blocks: the first period
// and block 19 are compressed with their schedules kept
// (compress_lanes_keep), the later blocks replay them (compress_lanes_replay,
// the rounds alone, docs/algorithms.md §7.2). Measured on Zen 5 in cache:
// 2.94 us per node of 16 lanes in layer 2 against 3.0 us with every
// schedule expanded (the lane rounds are bound by their dependency chain
// more than by issue). Two loop bodies in all (a compression is ~1800
// instructions of straight-line code; more copies overflowed the 32 KiB
// instruction cache).
//
// The prefix block (replica id, layer, node) depends on no label, and the
// SHA-NI unit is idle while the lanes run: during block b of node v the
// prefix of node v+1 for lane b-1 is compressed with SHA-NI, its rounds
// issued between the lane rounds (compress_lanes' hook). Measured on Zen 5,
// a lane block with one SHA-NI block interleaved took 1.5 % longer than
// alone, so the prefix costs ~1/60 of a lane block per lane instead of a
// whole lane block. The 16 (or 8) chaining values are transposed into the
// lane state of node v+1 (lane_transpose.hpp) when node v is done.
//
// Prefetching: before node v is hashed, every line of the parents of node
// v+kAhead (but parent 0, node v+kAhead-1, not labelled yet) is prefetched
// in one burst. A node of 16 lanes takes ~3 us. Measured on the Zen 5 host
// with 16 lanes, expander parents at random over 4 GiB of huge pages: layer
// 2 at 3.3 us per node with the burst 3 nodes ahead (6: 3.3-3.5, 10: 3.5),
// against 4.2 us when the lines were spread one per few rounds over the
// node's blocks (which did as well as the burst on a cached layer) and
// 5.2 us without prefetching; layer 1 3.05-3.1 us either way. A whole PC1
// of 16 x 512MiB on one thread: 121.9 s (2, 3 and 5 nodes ahead within
// 2 %) against 131-137 s with the spread prefetches.
#include "lane_label_kernel.hpp"

#include <utility>

#include "intrinsics.hpp"
#include "lane_transpose.hpp"
#include "sha256_lanes.hpp"
#include "sha256_ni.hpp"

namespace dmc::avx512 {

namespace {

constexpr unsigned kParentCount = 14;
constexpr unsigned kBaseParents = 6;
constexpr uint64_t kAhead = 3;
constexpr uint32_t kMessageBits = (64 + 37 * 32) * 8;
// trunc254 clears the two top bits of the label's last byte, which is the
// lowest byte of big-endian word 7.
constexpr uint32_t kTrunc254Mask = 0xffffff3fu;

// prefetcht0 of one line, as a statement the compiler keeps: GCC 12 removed
// every _mm_prefetch of prefetch_parents (a function with no other effect)
// from the object code.
__attribute__((always_inline)) inline void prefetch_line(const char *line)
{
    __asm__ volatile("prefetcht0 (%0)" : : "r"(line));
}

template <class L> struct Kernel {
    using V = typename L::V;
    static constexpr uint64_t kPitch = uint64_t(L::kLanes) * 32;
    static constexpr unsigned kLinesPerBlock = kPitch / 64;

    static const uint8_t *block(const uint8_t *base, uint32_t node) { return base + uint64_t(node) * kPitch; }

    // Block of base parent `parent` of node `node` (this layer: ring or file).
    static const uint8_t *base_block(const LaneLayerView &view, uint64_t node, uint32_t parent)
    {
        return node - parent <= view.ring_mask ? view.cur + (parent & view.ring_mask) * kPitch
                                               : view.cur_old + uint64_t(parent) * kPitch;
    }

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

    // Every line of parents 1.. of `ahead_node` (parent 0 is ahead_node-1,
    // not labelled yet); layer 1 has base parents only.
    template <bool kLayer1>
    static void prefetch_parents(const LaneLayerView &view, uint64_t ahead_node, const uint32_t *ahead)
    {
        constexpr unsigned kCount = kLayer1 ? kBaseParents : kParentCount;
        for (unsigned i = 1; i < kCount; ++i) {
            const auto *lines = reinterpret_cast<const char *>(i < kBaseParents ? base_block(view, ahead_node, ahead[i])
                                                                                : Kernel::block(view.prev, ahead[i]));
            for (unsigned k = 0; k < kLinesPerBlock; ++k) prefetch_line(lines + 64 * k);
        }
    }

    // SHA-NI compression of one lane's prefix block, its rounds issued by
    // compress_lanes between the lane rounds.
    struct PrefixHook {
        Sha256State state;
        __m128i msg[4];
        template <int q> __attribute__((always_inline)) void quad() { quad_rounds<q>(state, msg); }
    };

    // Lane l's chaining value goes to words [slot(l), slot(l) + 8) so that
    // the transpose of the 8 rows gives the lane state (lane_transpose.hpp).
    static constexpr unsigned slot(unsigned lane)
    {
        return L::kLanes == 16 ? (lane % 8) * 16 + (lane / 8) * 8 : lane * 8;
    }

    static void start_prefix(PrefixHook &hook, const __m128i (&replica)[2], __m128i node_words)
    {
        hook.state = sha256_initial_state();
        hook.msg[0] = replica[0];
        hook.msg[1] = replica[1];
        hook.msg[2] = node_words;
        hook.msg[3] = _mm_setzero_si128();
    }

    // Feed-forward, then the words in order a..h (native integers).
    static void finish_prefix(const PrefixHook &hook, uint32_t *out)
    {
        const Sha256State iv = sha256_initial_state();
        const __m128i abef = _mm_add_epi32(hook.state.abef, iv.abef);
        const __m128i cdgh = _mm_add_epi32(hook.state.cdgh, iv.cdgh);
        const __m128i feba = _mm_shuffle_epi32(abef, 0x1b);
        const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xb1);
        _mm_storeu_si128(reinterpret_cast<__m128i *>(out), _mm_blend_epi16(feba, dchg, 0xf0));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(out + 4), _mm_alignr_epi8(dchg, feba, 8));
    }

    // Prefix words 8..11 of `node`: u32_be(layer) ‖ u64_be(node) ‖ zeros.
    static __m128i node_words(uint32_t layer, uint64_t node)
    {
        return _mm_set_epi32(0, static_cast<int>(static_cast<uint32_t>(node)), static_cast<int>(node >> 32),
                             static_cast<int>(layer));
    }

    static void load_state(const uint32_t *slots, LaneState<L> &state)
    {
        if constexpr (L::kLanes == 16) {
            __m512i rows[8];
            for (unsigned i = 0; i < 8; ++i) rows[i] = _mm512_load_si512(slots + 16 * i);
            transpose8x8_halves(rows);
            for (unsigned j = 0; j < 8; ++j) state.h[j] = rows[j];
        } else {
            __m256i rows[8];
            for (unsigned i = 0; i < 8; ++i)
                rows[i] = _mm256_load_si256(reinterpret_cast<const __m256i *>(slots + 8 * i));
            transpose8x8(rows);
            for (unsigned j = 0; j < 8; ++j) state.h[j] = rows[j];
        }
    }

    template <bool kLayer1>
    static void label_range(const LaneLayerView &view, const uint32_t *parents, uint64_t nodes, uint32_t layer,
                            uint64_t begin, uint64_t end)
    {
        constexpr unsigned kCount = kLayer1 ? kBaseParents : kParentCount;
        // The parent sequence repeats every kCount labels, kPeriod blocks.
        constexpr unsigned kPeriod = kCount / 2;
        LaneSchedule<L> kept[kPeriod];
        __m128i replica[L::kLanes][2];
        for (unsigned l = 0; l < L::kLanes; ++l)
            for (unsigned half = 0; half < 2; ++half)
                replica[l][half] = _mm_setr_epi32(static_cast<int>(view.replica_words[(4 * half + 0) * L::kLanes + l]),
                                                  static_cast<int>(view.replica_words[(4 * half + 1) * L::kLanes + l]),
                                                  static_cast<int>(view.replica_words[(4 * half + 2) * L::kLanes + l]),
                                                  static_cast<int>(view.replica_words[(4 * half + 3) * L::kLanes + l]));
        // The prefix states of the first node, one lane after the other.
        alignas(64) uint32_t prefix_slots[8 * L::kLanes];
        PrefixHook hook;
        for (unsigned l = 0; l < L::kLanes; ++l) {
            start_prefix(hook, replica[l], node_words(layer, begin));
            [&hook]<int... q>(std::integer_sequence<int, q...>) { (hook.template quad<q>(), ...); }
            (std::make_integer_sequence<int, 16>{});
            finish_prefix(hook, prefix_slots + slot(l));
        }
        for (uint64_t v = begin; v < end; ++v) {
            const uint32_t *entry = parents + v * kParentCount;
            const uint64_t ahead_node = v + kAhead < nodes ? v + kAhead : v;
            const uint32_t *ahead = parents + ahead_node * kParentCount;
            const uint8_t *source[kParentCount];
            for (unsigned i = 0; i < kCount; ++i)
                source[i] = i < kBaseParents ? base_block(view, v, entry[i]) : block(view.prev, entry[i]);
            prefetch_parents<kLayer1>(view, ahead_node, ahead);
            LaneState<L> state;
            load_state(prefix_slots, state);
            const __m128i next_node = node_words(layer, v + 1);
            V w[16];
            for (unsigned b = 1; b < 20; ++b) {
                // Blocks past the last lane repeat its prefix, unused: one
                // loop body for each kind of block.
                const unsigned lane = b <= L::kLanes ? b - 1 : L::kLanes - 1;
                start_prefix(hook, replica[lane], next_node);
                if (b < 19 && b > kPeriod) {
                    compress_lanes_replay<L>(state, kept[(b - 1) % kPeriod], hook);
                } else {
                    // First pass over the parents (labels 2b-2, 2b-1), or
                    // the last block: label 36 and the padding.
                    if (b < 19) {
                        load_words(source[2 * b - 2], w);
                        load_words(source[2 * b - 1], w + 8);
                    } else {
                        load_words(source[36 % kCount], w);
                        w[8] = L::set1(0x80000000u);
                        for (unsigned j = 9; j < 15; ++j) w[j] = L::set1(0);
                        w[15] = L::set1(kMessageBits);
                    }
                    // The last block's schedule is never replayed (slot 0
                    // is free by then): kept all the same, so that the
                    // first period and the last block share one loop body.
                    compress_lanes_keep<L>(state, w, kept[b < 19 ? b - 1 : 0], hook);
                }
                if (b <= L::kLanes) finish_prefix(hook, prefix_slots + slot(lane));
            }
            store_label(state, view.cur + (v & view.ring_mask) * kPitch);
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
