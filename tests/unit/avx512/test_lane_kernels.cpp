// SPDX-License-Identifier: Apache-2.0
//
// The batch PC1 building blocks of the avx512 plugin, called directly:
// the 8/16-lane AVX-512 SHA-256 compression (and SHA-NI streams issued
// through its hook) against OpenSSL's block function; the batch block
// layouts against a plain transposition written out here; the lane
// labelling kernel against the sdk's reference labelling (OpenSSL). Built
// with the plugin's -march flags (tests/unit/avx512/meson.build), so only
// on a machine with the instructions.
#include <catch2/catch.hpp>

#include <cstring>
#include <utility>
#include <vector>

#include <openssl/sha.h>

#include "batch_layout.hpp"
#include "damocles/sdk/labels.hpp"
#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/sdr_graph.hpp"
#include "lane_label_kernel.hpp"
#include "sha256_lanes.hpp"
#include "sha256_ni.hpp"
#include "sha_throughput.hpp"

using namespace dmc;
using namespace dmc::avx512;

namespace {

uint64_t next_random(uint64_t &x)
{
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
}

// OpenSSL's compression of one block from a given chaining value.
void openssl_compress(uint32_t (&h)[8], const uint8_t *block)
{
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    std::memcpy(ctx.h, h, sizeof h);
    SHA256_Transform(&ctx, block);
    std::memcpy(h, ctx.h, sizeof h);
}

uint32_t be32(const uint8_t *p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }

template <int K> struct NiHook {
    Sha256State state[K];
    __m128i msg[K][4];
    template <int q> void quad()
    {
        for (int k = 0; k < K; ++k) quad_rounds<q>(state[k], msg[k]);
    }
};

// Two chained blocks per lane (and per SHA-NI stream), from random data.
template <class L, int K> void check_lanes_against_openssl(uint64_t seed)
{
    constexpr unsigned kLanes = L::kLanes;
    uint8_t blocks[2][kLanes + K][64];
    uint64_t x = seed;
    for (auto &b : blocks)
        for (auto &stream : b)
            for (auto &byte : stream) byte = static_cast<uint8_t>(next_random(x));
    LaneState<L> state = LaneState<L>::initial();
    NiHook<(K > 0 ? K : 1)> hook;
    for (auto &s : hook.state) s = sha256_initial_state();
    for (int b = 0; b < 2; ++b) {
        alignas(64) uint32_t words[16][kLanes];
        for (unsigned j = 0; j < 16; ++j)
            for (unsigned l = 0; l < kLanes; ++l) words[j][l] = be32(blocks[b][l] + 4 * j);
        typename L::V w[16];
        for (unsigned j = 0; j < 16; ++j) w[j] = L::load(words[j]);
        Sha256State saved[K > 0 ? K : 1];
        for (int k = 0; k < K; ++k) {
            saved[k] = hook.state[k];
            for (int q = 0; q < 4; ++q) hook.msg[k][q] = load_be_words(blocks[b][kLanes + k] + 16 * q);
        }
        if constexpr (K > 0)
            compress_lanes<L>(state, w, hook);
        else
            compress_lanes<L>(state, w);
        for (int k = 0; k < K; ++k) {
            hook.state[k].abef = _mm_add_epi32(hook.state[k].abef, saved[k].abef);
            hook.state[k].cdgh = _mm_add_epi32(hook.state[k].cdgh, saved[k].cdgh);
        }
    }
    alignas(64) uint32_t out[8][kLanes];
    for (unsigned j = 0; j < 8; ++j) L::store(out[j], state.h[j]);
    for (unsigned l = 0; l < kLanes + K; ++l) {
        uint32_t expected[8];
        std::memcpy(expected, kSha256Iv, sizeof expected);
        openssl_compress(expected, blocks[0][l]);
        openssl_compress(expected, blocks[1][l]);
        INFO("lanes " << kLanes << " stream " << l << (l >= kLanes ? " (SHA-NI)" : ""));
        if (l < kLanes) {
            for (unsigned j = 0; j < 8; ++j) CHECK(out[j][l] == expected[j]);
        } else {
            uint8_t digest[32];
            store_digest(hook.state[l - kLanes], digest, false);
            for (unsigned j = 0; j < 8; ++j) CHECK(be32(digest + 4 * j) == expected[j]);
        }
    }
}

// A block compressed with its schedule kept, then the same block again
// from the kept schedule (as SDR's repeated parent blocks are), then a
// second block the plain way: every lane equals OpenSSL's three compressions.
template <class L> void check_kept_schedule_against_openssl(uint64_t seed)
{
    constexpr unsigned kLanes = L::kLanes;
    uint8_t blocks[2][kLanes][64];
    uint64_t x = seed;
    for (auto &b : blocks)
        for (auto &lane : b)
            for (auto &byte : lane) byte = static_cast<uint8_t>(next_random(x));
    auto message = [&](int b, typename L::V(&w)[16]) {
        alignas(64) uint32_t words[16][kLanes];
        for (unsigned j = 0; j < 16; ++j)
            for (unsigned l = 0; l < kLanes; ++l) words[j][l] = be32(blocks[b][l] + 4 * j);
        for (unsigned j = 0; j < 16; ++j) w[j] = L::load(words[j]);
    };
    LaneState<L> state = LaneState<L>::initial();
    LaneSchedule<L> kept;
    typename L::V w[16];
    message(0, w);
    compress_lanes_keep<L>(state, w, kept);
    compress_lanes_replay<L>(state, kept);
    message(1, w);
    compress_lanes<L>(state, w);
    alignas(64) uint32_t out[8][kLanes];
    for (unsigned j = 0; j < 8; ++j) L::store(out[j], state.h[j]);
    for (unsigned l = 0; l < kLanes; ++l) {
        uint32_t expected[8];
        std::memcpy(expected, kSha256Iv, sizeof expected);
        openssl_compress(expected, blocks[0][l]);
        openssl_compress(expected, blocks[0][l]);
        openssl_compress(expected, blocks[1][l]);
        INFO("lanes " << kLanes << " lane " << l);
        for (unsigned j = 0; j < 8; ++j) CHECK(out[j][l] == expected[j]);
    }
}

} // namespace

TEST_CASE("lane SHA-256: 16 and 8 lanes, alone and with SHA-NI streams, equal OpenSSL", "[avx512][kernels]")
{
    check_lanes_against_openssl<Lanes16, 0>(1);
    check_lanes_against_openssl<Lanes8, 0>(2);
    check_lanes_against_openssl<Lanes16, 1>(3);
    check_lanes_against_openssl<Lanes16, 3>(4);
    check_lanes_against_openssl<Lanes8, 2>(5);
}

TEST_CASE("lane SHA-256: a block replayed from its kept schedule equals OpenSSL", "[avx512][kernels]")
{
    check_kept_schedule_against_openssl<Lanes16>(6);
    check_kept_schedule_against_openssl<Lanes8>(7);
}

TEST_CASE("batch layout: blocks hold each sector's label where the layout says", "[avx512][kernels]")
{
    constexpr uint64_t kNodes = 37;
    uint64_t x = 99;
    for (BatchLayout layout : {BatchLayout{SlotArrangement::bytes, 1}, BatchLayout{SlotArrangement::bytes, 4},
                               BatchLayout{SlotArrangement::words, 8}, BatchLayout{SlotArrangement::words, 16}}) {
        INFO("slots " << layout.slots << (layout.arrangement == SlotArrangement::words ? " words" : " bytes"));
        std::vector<std::vector<uint8_t>> labels(layout.slots, std::vector<uint8_t>(kNodes * 32));
        for (auto &l : labels)
            for (auto &b : l) b = static_cast<uint8_t>(next_random(x));
        std::vector<uint8_t> storage(kNodes * layout.pitch() + 64);
        uint8_t *blocks = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
        for (unsigned s = 0; s < layout.slots; ++s) interleave_slot(layout, labels[s].data(), kNodes, s, blocks);
        // Where each label byte must be, written out independently.
        for (uint64_t v = 0; v < kNodes; ++v)
            for (unsigned s = 0; s < layout.slots; ++s) {
                const uint8_t *block = blocks + v * layout.pitch();
                const uint8_t *label = labels[s].data() + 32 * v;
                if (layout.arrangement == SlotArrangement::bytes) {
                    REQUIRE(std::memcmp(block + 32 * s, label, 32) == 0);
                } else {
                    for (unsigned j = 0; j < 8; ++j) {
                        uint32_t word;
                        std::memcpy(&word, block + 4 * (j * layout.slots + s), 4);
                        REQUIRE(word == be32(label + 4 * j));
                    }
                }
            }
        std::vector<std::vector<uint8_t>> back(layout.slots, std::vector<uint8_t>(kNodes * 32));
        std::vector<uint8_t *> outs;
        for (auto &b : back) outs.push_back(b.data());
        outs[0] = nullptr; // a skipped slot stays untouched
        deinterleave(layout, blocks, kNodes, outs.data());
        CHECK(back[0] == std::vector<uint8_t>(kNodes * 32, 0));
        for (unsigned s = 1; s < layout.slots; ++s) CHECK(back[s] == labels[s]);
    }
}

TEST_CASE("lane labelling kernel equals the sdk's reference labels (2KiB V1 and V1_1)", "[avx512][kernels]")
{
    for (uint64_t proof_id : {0u, 5u}) {
        const SealProof &proof = **find_seal_proof(proof_id);
        const SdrGraph graph = SdrGraph::for_proof(proof);
        const uint64_t nodes = graph.nodes();
        std::vector<uint32_t> parents(nodes * 14);
        for (uint64_t v = 0; v < nodes; ++v) graph.parents(v, parents.data() + 14 * v);
        for (unsigned lanes : {8u, 16u}) {
            INFO(proof.name << " lanes " << lanes);
            const BatchLayout layout{SlotArrangement::words, lanes};
            std::vector<Bytes32> ids(lanes);
            alignas(64) uint32_t replica_words[8 * 16];
            uint64_t x = 7 + lanes;
            for (unsigned l = 0; l < lanes; ++l) {
                for (auto &b : ids[l]) b = static_cast<uint8_t>(next_random(x));
                ids[l][31] &= 0x3f;
                for (unsigned j = 0; j < 8; ++j) replica_words[j * lanes + l] = be32(ids[l].data() + 4 * j);
            }
            std::vector<uint8_t> storage(2 * nodes * layout.pitch() + 64);
            uint8_t *aligned = storage.data() + (64 - reinterpret_cast<uintptr_t>(storage.data()) % 64) % 64;
            uint8_t *cur = aligned, *prev = aligned + nodes * layout.pitch();
            std::vector<std::vector<std::vector<uint8_t>>> expected;
            for (const auto &id : ids) expected.push_back(compute_layers_reference(graph, id, proof.layers));
            for (uint32_t layer = 1; layer <= proof.layers; ++layer) {
                LaneLayerView view;
                view.lanes = lanes;
                view.cur = cur;
                view.prev = prev;
                view.replica_words = replica_words;
                label_lane_node_zero(view, layer);
                label_lane_nodes(view, parents.data(), nodes, layer, 1, nodes);
                std::vector<std::vector<uint8_t>> out(lanes, std::vector<uint8_t>(nodes * 32));
                std::vector<uint8_t *> outs;
                for (auto &o : out) outs.push_back(o.data());
                deinterleave(layout, cur, nodes, outs.data());
                for (unsigned l = 0; l < lanes; ++l) {
                    INFO("layer " << layer << " lane " << l);
                    CHECK(out[l] == expected[l][layer - 1]);
                }
                std::swap(cur, prev);
            }
        }
    }
}

TEST_CASE("SHA throughput probes run every engine they name", "[avx512][kernels]")
{
    for (ShaProbeMode mode : {ShaProbeMode::plain, ShaProbeMode::lanes_replay, ShaProbeMode::all_replay}) {
        INFO("mode " << static_cast<unsigned>(mode));
        for (unsigned ni = 0; ni <= 6; ++ni) {
            CHECK(sha_throughput_ns(16, ni, mode, 4096) > 0);
            CHECK(sha_throughput_ns(8, ni, mode, 4096) > 0);
        }
        CHECK(sha_throughput_ns(16, 7, mode, 4096) == 0);
        CHECK(sha_throughput_ns(4, 0, mode, 4096) == 0);
        CHECK(sha_throughput_ns(0, 0, mode, 4096) == 0);
    }
    for (unsigned ni = 1; ni <= 8; ++ni) {
        CHECK(sha_throughput_ns(0, ni, ShaProbeMode::plain, 4096) > 0);
        CHECK(sha_throughput_ns(0, ni, ShaProbeMode::all_replay, 4096) > 0);
        // Streams alone have no lanes to replay.
        CHECK(sha_throughput_ns(0, ni, ShaProbeMode::lanes_replay, 4096) == 0);
    }
}

TEST_CASE("SHA-NI: a block's rounds from its W+K words equal OpenSSL", "[avx512][kernels]")
{
    uint8_t block[64];
    uint64_t x = 8;
    for (auto &byte : block) byte = static_cast<uint8_t>(next_random(x));
    // The schedule written out from FIPS 180-4, independently of the kernels.
    auto rotr = [](uint32_t v, int r) { return v >> r | v << (32 - r); };
    alignas(16) uint32_t wk[64];
    uint32_t w[64];
    for (int t = 0; t < 16; ++t) w[t] = be32(block + 4 * t);
    for (int t = 16; t < 64; ++t)
        w[t] = w[t - 16] + (rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)) + w[t - 7] +
               (rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10));
    for (int t = 0; t < 64; ++t) wk[t] = w[t] + kSha256RoundConstants[t];
    Sha256State state = sha256_initial_state();
    [&]<int... q>(std::integer_sequence<int, q...>) { (quad_rounds_replay<q>(state, wk), ...); }
    (std::make_integer_sequence<int, 16>{});
    const Sha256State iv = sha256_initial_state();
    state.abef = _mm_add_epi32(state.abef, iv.abef);
    state.cdgh = _mm_add_epi32(state.cdgh, iv.cdgh);
    uint8_t digest[32];
    store_digest(state, digest, false);
    uint32_t expected[8];
    std::memcpy(expected, kSha256Iv, sizeof expected);
    openssl_compress(expected, block);
    for (unsigned j = 0; j < 8; ++j) CHECK(be32(digest + 4 * j) == expected[j]);
}
