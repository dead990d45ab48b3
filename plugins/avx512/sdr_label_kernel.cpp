// SPDX-License-Identifier: Apache-2.0
//
// SHA-NI SDR labels (docs/algorithms.md §7). A label is SHA-256 over 1248 bytes: the
// 64-byte prefix block, then 37 parent labels (18 blocks of two labels and a
// last block with one label and the padding). The 19 blocks after the prefix
// form a strictly dependent chain (block 1 holds label v−1); the prefix block
// does not depend on any label, so its compression sits off the chain: the
// prefix of node v+1 is compressed interleaved with block 1 of node v (the
// out-of-order window alone does not overlap them: a whole compression is
// more vector work than the scheduler holds), costing issue slots only.
//
// Message words are loaded straight from the parent labels in the layer
// buffers (byte-swapped in registers): no 1248-byte message is assembled.
// The parents of a node a few nodes ahead are prefetched, one label per
// block, so the random reads of the expander parents in the previous layer
// (and of far base parents) are in cache when the chain reaches them.
//
// With K sectors (a fused PC1 vertex), the K chains of the same node are
// compressed by compress<K>, interleaved round by round, which fills the
// SHA unit's idle latency slots. They share the graph, so one parent cache
// entry serves all K.
#include "sdr_label_kernel.hpp"

#include <chrono>

#include "sha256_ni.hpp"

namespace dmc::avx512 {

namespace {

constexpr unsigned kParentCount = 14;
constexpr unsigned kBaseParents = 6;
constexpr unsigned kRepeatedParents = 37;
// Nodes ahead whose parent labels are prefetched: one node takes ~0.6 µs
// single-stream, so 8 nodes cover a DRAM miss plus a page walk many times
// over while keeping the prefetched lines (13 per node and sector) in L1/L2.
// (4 to 16 measured the same.)
constexpr uint64_t kPrefetchNodes = 8;
// The last block of a label: one label, 0x80 padding, length 1248·8 bits.
constexpr uint32_t kMessageBits = (64 + kRepeatedParents * 32) * 8;

inline void prefix_message(const SectorLayerView &s, uint32_t layer, uint64_t node, __m128i (&m)[4])
{
    m[0] = _mm_loadu_si128(reinterpret_cast<const __m128i *>(s.replica_words));
    m[1] = _mm_loadu_si128(reinterpret_cast<const __m128i *>(s.replica_words + 4));
    // prefix bytes 32..63: u32_be(layer) ‖ u64_be(node) ‖ 20 zero bytes.
    m[2] = _mm_set_epi32(0, static_cast<int>(static_cast<uint32_t>(node)), static_cast<int>(node >> 32),
                         static_cast<int>(layer));
    m[3] = _mm_setzero_si128();
}

// Prefetches one parent label of the node kPrefetchNodes ahead per block
// of the current node (blocks 2..14): the 8 expander parents first (random
// lines of the previous layer), then base parents 1..5 (parent 0 is v−1).
// One prefetch per block rather than 13 in a burst: on the Zen 5 host
// measured, a burst of prefetches left most of them without effect (layer 2
// ran 2.2x the SHA bound), while the same prefetches spread over the chain
// brought layer 2 to within a few percent of layer 1.
template <int K, bool kLayer1>
__attribute__((always_inline)) inline void prefetch_for_block(const SectorLayerView *sectors, uint64_t ahead_node,
                                                              const uint32_t *ahead, unsigned block)
{
    constexpr unsigned kLastBlock = kLayer1 ? kBaseParents : kParentCount;
    if (block < 2 || block > kLastBlock) return;
    const unsigned i = kLayer1 ? block - 1 : (block <= 9 ? block + 4 : block - 9);
    for (int k = 0; k < K; ++k) {
        const uint8_t *label = i < kBaseParents ? sectors[k].base_label(ahead_node, ahead[i])
                                                : sectors[k].prev + uint64_t(ahead[i]) * sectors[k].pitch;
        _mm_prefetch(reinterpret_cast<const char *>(label), _MM_HINT_T0);
    }
}

template <int K, bool kLayer1>
void label_range(const SectorLayerView *sectors, const uint32_t *parents, uint64_t nodes, uint32_t layer,
                 uint64_t begin, uint64_t end)
{
    constexpr unsigned kCount = kLayer1 ? kBaseParents : kParentCount;
    // Block 1 of node v is compressed together with the prefix block of node
    // v+1 (streams K..2K-1): the prefix then costs issue slots only, never
    // chain latency.
    Sha256State state[K], next_prefix[K];
    __m128i msg[K][4], prefix_msg[K][4];
    for (int k = 0; k < K; ++k) {
        state[k] = sha256_initial_state();
        prefix_message(sectors[k], layer, begin, msg[k]);
    }
    compress<K>(state, msg);
    for (uint64_t v = begin; v < end; ++v) {
        // Past the end, node v's own entry stands in (its lines are cached).
        const uint64_t ahead_node = v + kPrefetchNodes < nodes ? v + kPrefetchNodes : v;
        const uint32_t *ahead = parents + ahead_node * kParentCount;
        const uint32_t *entry = parents + v * kParentCount;
        const uint8_t *label[K][kCount];
        for (int k = 0; k < K; ++k) {
            for (unsigned i = 0; i < kCount; ++i)
                label[k][i] = i < kBaseParents ? sectors[k].base_label(v, entry[i])
                                               : sectors[k].prev + uint64_t(entry[i]) * sectors[k].pitch;
        }
        for (int k = 0; k < K; ++k) {
            msg[k][0] = load_be_words(label[k][0]);
            msg[k][1] = load_be_words(label[k][0] + 16);
            msg[k][2] = load_be_words(label[k][1]);
            msg[k][3] = load_be_words(label[k][1] + 16);
            next_prefix[k] = sha256_initial_state();
            prefix_message(sectors[k], layer, v + 1, prefix_msg[k]);
        }
        compress2<K, K>(state, msg, next_prefix, prefix_msg);

#pragma GCC unroll 18
        for (unsigned block = 1; block < 19; ++block) {
            prefetch_for_block<K, kLayer1>(sectors, ahead_node, ahead, block);
            const unsigned first = (2 * block) % kCount, second = (2 * block + 1) % kCount;
            for (int k = 0; k < K; ++k) {
                msg[k][0] = load_be_words(label[k][first]);
                msg[k][1] = load_be_words(label[k][first] + 16);
                if (block < 18) {
                    msg[k][2] = load_be_words(label[k][second]);
                    msg[k][3] = load_be_words(label[k][second] + 16);
                } else {
                    msg[k][2] = _mm_set_epi32(0, 0, 0, static_cast<int>(0x80000000u));
                    msg[k][3] = _mm_set_epi32(static_cast<int>(kMessageBits), 0, 0, 0);
                }
            }
            compress<K>(state, msg);
        }
        for (int k = 0; k < K; ++k) {
            store_digest(state[k], sectors[k].cur + (v & sectors[k].ring_mask) * sectors[k].pitch, true);
            state[k] = next_prefix[k];
        }
    }
}

template <bool kLayer1>
void dispatch(std::span<const SectorLayerView> sectors, const uint32_t *parents, uint64_t nodes, uint32_t layer,
              uint64_t begin, uint64_t end)
{
    switch (sectors.size()) {
    case 1: return label_range<1, kLayer1>(sectors.data(), parents, nodes, layer, begin, end);
    case 2: return label_range<2, kLayer1>(sectors.data(), parents, nodes, layer, begin, end);
    case 3: return label_range<3, kLayer1>(sectors.data(), parents, nodes, layer, begin, end);
    default: return;
    }
}

} // namespace

void label_nodes(std::span<const SectorLayerView> sectors, const uint32_t *parents, uint64_t nodes, uint32_t layer,
                 uint64_t begin, uint64_t end)
{
    if (layer == 1)
        dispatch<true>(sectors, parents, nodes, layer, begin, end);
    else
        dispatch<false>(sectors, parents, nodes, layer, begin, end);
}

void label_node_zero(const SectorLayerView &sector, uint32_t layer)
{
    Sha256State state[1] = {sha256_initial_state()};
    __m128i msg[1][4];
    prefix_message(sector, layer, 0, msg[0]);
    compress<1>(state, msg);
    msg[0][0] = _mm_set_epi32(0, 0, 0, static_cast<int>(0x80000000u));
    msg[0][1] = _mm_setzero_si128();
    msg[0][2] = _mm_setzero_si128();
    msg[0][3] = _mm_set_epi32(512, 0, 0, 0);
    compress<1>(state, msg);
    store_digest(state[0], sector.cur, true);
}

double sha_ni_chained_blocks_per_second(uint64_t blocks)
{
    alignas(64) uint8_t block[64];
    for (unsigned i = 0; i < 64; ++i) block[i] = static_cast<uint8_t>(i * 7 + 1);
    Sha256State state[1] = {sha256_initial_state()};
    const auto start = std::chrono::steady_clock::now();
    for (uint64_t b = 0; b < blocks; ++b) {
        __m128i msg[1][4];
        for (int w = 0; w < 4; ++w) msg[0][w] = load_be_words(block + 16 * w);
        compress<1>(state, msg);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // Keep the chain observable so the loop is not removed.
    store_digest(state[0], block, false);
    __asm__ volatile("" : : "r"(block) : "memory");
    return seconds > 0 ? double(blocks) / seconds : 0;
}

} // namespace dmc::avx512
