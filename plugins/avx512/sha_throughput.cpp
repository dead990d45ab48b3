// SPDX-License-Identifier: Apache-2.0
#include "sha_throughput.hpp"

#include <chrono>
#include <cstring>
#include <memory>

#include "sha256_lanes.hpp"
#include "sha256_ni.hpp"

namespace dmc::avx512 {

namespace {

constexpr unsigned kMessages = 16; // distinct message blocks, used in turn (16 KiB of lane words: L1)
// Kept schedules cycled by the replaying engines: as many as the lane label
// kernel keeps (a 7-block period, 28 KiB for 16 lanes), so that they stay
// in L1 as the kernel's do.
constexpr unsigned kKept = 7;

uint32_t rotr(uint32_t x, int r) { return x >> r | x << (32 - r); }

// W[t] + K[t] of a block (big-endian words), for the SHA-NI replay.
void expand_schedule(const uint8_t *block, uint32_t (&wk)[64])
{
    uint32_t w[64];
    for (int t = 0; t < 16; ++t)
        w[t] = uint32_t(block[4 * t]) << 24 | uint32_t(block[4 * t + 1]) << 16 | uint32_t(block[4 * t + 2]) << 8 |
               block[4 * t + 3];
    for (int t = 16; t < 64; ++t) {
        const uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
        const uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    for (int t = 0; t < 64; ++t) wk[t] = w[t] + kSha256RoundConstants[t];
}

struct Messages {
    alignas(64) uint8_t bytes[kMessages][64];      // for SHA-NI streams
    alignas(64) uint32_t words[kMessages][16][16]; // word-sliced, for the lanes
    alignas(64) uint32_t ni_kept[kMessages][64];   // W + K of bytes[m], for SHA-NI replay
    Messages()
    {
        uint64_t x = 0x2545f4914f6cdd1dull;
        for (auto &block : bytes)
            for (auto &b : block) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                b = static_cast<uint8_t>(x);
            }
        for (unsigned m = 0; m < kMessages; ++m)
            for (unsigned j = 0; j < 16; ++j)
                for (unsigned l = 0; l < 16; ++l)
                    words[m][j][l] = static_cast<uint32_t>(bytes[(m + l) % kMessages][j] * 0x01010101u);
        for (unsigned m = 0; m < kMessages; ++m) expand_schedule(bytes[m], ni_kept[m]);
    }
};

const Messages &messages()
{
    static const Messages m;
    return m;
}

// SHA-NI rounds of K streams issued between the lane rounds; with kReplay
// from kept schedules.
template <int K, bool kReplay> struct NiStreams {
    Sha256State state[K];
    __m128i msg[K][4];
    const uint32_t *kept[K];
    template <int q> __attribute__((always_inline)) void quad()
    {
        for (int k = 0; k < K; ++k) {
            if constexpr (kReplay)
                quad_rounds_replay<q>(state[k], kept[k]);
            else
                quad_rounds<q>(state[k], msg[k]);
        }
    }
    void load(uint64_t call)
    {
        for (int k = 0; k < K; ++k) {
            if constexpr (kReplay) {
                kept[k] = messages().ni_kept[(call + 3 * k) % kKept];
            } else {
                for (int w = 0; w < 4; ++w)
                    msg[k][w] = load_be_words(messages().bytes[(call + 7 * k) % kMessages] + 16 * w);
            }
        }
    }
    void keep() const
    {
        uint8_t out[32];
        for (int k = 0; k < K; ++k) {
            store_digest(state[k], out, false);
            __asm__ volatile("" : : "r"(out) : "memory");
        }
    }
};

// The lanes' schedules kept from the first kKept lane messages.
template <class L>
std::unique_ptr<LaneSchedule<L>[]> kept_lane_schedules() {
    std::unique_ptr<LaneSchedule<L>[]> kept(new LaneSchedule<L>[kKept]);
    LaneState<L> scratch = LaneState<L>::initial();
    for (unsigned m = 0; m < kKept; ++m) {
        typename L::V w[16];
        for (unsigned j = 0; j < 16; ++j) w[j] = L::load(messages().words[m][j]);
        compress_lanes_keep<L>(scratch, w, kept[m]);
    }
    return kept;
}

// One lane compression per call (plain, or replayed with kLanesReplay) with
// K SHA-NI compressions interleaved (replayed with kNiReplay).
template <class L, int K, bool kLanesReplay, bool kNiReplay>
double lanes_with_ni(uint64_t calls)
{
    using V = typename L::V;
    LaneState<L> lanes = LaneState<L>::initial();
    NiStreams<(K > 0 ? K : 1), kNiReplay> ni;
    for (auto &s : ni.state) s = sha256_initial_state();
    std::unique_ptr<LaneSchedule<L>[]> kept;
    if constexpr (kLanesReplay) kept = kept_lane_schedules<L>();
    const auto start = std::chrono::steady_clock::now();
    for (uint64_t c = 0; c < calls; ++c) {
        Sha256State saved[K > 0 ? K : 1];
        if constexpr (K > 0) {
            for (int k = 0; k < K; ++k) saved[k] = ni.state[k];
            ni.load(c);
        }
        if constexpr (kLanesReplay) {
            compress_lanes_replay<L>(lanes, kept[c % kKept], ni);
        } else {
            V w[16];
            for (unsigned j = 0; j < 16; ++j) w[j] = L::load(messages().words[c % kMessages][j]);
            compress_lanes<L>(lanes, w, ni);
        }
        for (int k = 0; k < K; ++k) {
            ni.state[k].abef = _mm_add_epi32(ni.state[k].abef, saved[k].abef);
            ni.state[k].cdgh = _mm_add_epi32(ni.state[k].cdgh, saved[k].cdgh);
        }
    }
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    alignas(64) uint32_t out[8][L::kLanes];
    for (unsigned j = 0; j < 8; ++j) L::store(out[j], lanes.h[j]);
    __asm__ volatile("" : : "r"(out) : "memory");
    if constexpr (K > 0) ni.keep();
    return ns / double(calls * (L::kLanes + K));
}

// K SHA-NI streams alone, one block each per call.
template <int K, bool kReplay> double ni_only(uint64_t calls)
{
    NiStreams<K, kReplay> ni;
    for (auto &s : ni.state) s = sha256_initial_state();
    const auto start = std::chrono::steady_clock::now();
    for (uint64_t c = 0; c < calls; ++c) {
        Sha256State saved[K];
        for (int k = 0; k < K; ++k) saved[k] = ni.state[k];
        ni.load(c);
        [&ni]<int... q>(std::integer_sequence<int, q...>) __attribute__((always_inline))
        {
            (ni.template quad<q>(), ...);
        }
        (std::make_integer_sequence<int, 16>{});
        for (int k = 0; k < K; ++k) {
            ni.state[k].abef = _mm_add_epi32(ni.state[k].abef, saved[k].abef);
            ni.state[k].cdgh = _mm_add_epi32(ni.state[k].cdgh, saved[k].cdgh);
        }
    }
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    ni.keep();
    return ns / double(calls * K);
}

template <class L, bool kLanesReplay, bool kNiReplay> double lanes_dispatch(unsigned ni_streams, uint64_t calls)
{
    switch (ni_streams) {
    case 0: return lanes_with_ni<L, 0, kLanesReplay, kNiReplay>(calls);
    case 1: return lanes_with_ni<L, 1, kLanesReplay, kNiReplay>(calls);
    case 2: return lanes_with_ni<L, 2, kLanesReplay, kNiReplay>(calls);
    case 3: return lanes_with_ni<L, 3, kLanesReplay, kNiReplay>(calls);
    case 4: return lanes_with_ni<L, 4, kLanesReplay, kNiReplay>(calls);
    case 5: return lanes_with_ni<L, 5, kLanesReplay, kNiReplay>(calls);
    case 6: return lanes_with_ni<L, 6, kLanesReplay, kNiReplay>(calls);
    default: return 0;
    }
}

template <class L> double lanes_by_mode(unsigned ni_streams, ShaProbeMode mode, uint64_t calls)
{
    switch (mode) {
    case ShaProbeMode::plain: return lanes_dispatch<L, false, false>(ni_streams, calls);
    case ShaProbeMode::lanes_replay: return lanes_dispatch<L, true, false>(ni_streams, calls);
    case ShaProbeMode::all_replay: return lanes_dispatch<L, true, true>(ni_streams, calls);
    }
    return 0;
}

template <bool kReplay> double ni_dispatch(unsigned ni_streams, uint64_t calls)
{
    switch (ni_streams) {
    case 1: return ni_only<1, kReplay>(calls);
    case 2: return ni_only<2, kReplay>(calls);
    case 3: return ni_only<3, kReplay>(calls);
    case 4: return ni_only<4, kReplay>(calls);
    case 5: return ni_only<5, kReplay>(calls);
    case 6: return ni_only<6, kReplay>(calls);
    case 7: return ni_only<7, kReplay>(calls);
    case 8: return ni_only<8, kReplay>(calls);
    default: return 0;
    }
}

} // namespace

double sha_throughput_ns(unsigned lanes, unsigned ni_streams, ShaProbeMode mode, uint64_t blocks)
{
    const uint64_t calls = blocks / (lanes + ni_streams + (lanes + ni_streams == 0)) + 1;
    if (lanes == 16) return lanes_by_mode<Lanes16>(ni_streams, mode, calls);
    if (lanes == 8) return lanes_by_mode<Lanes8>(ni_streams, mode, calls);
    if (lanes != 0) return 0;
    switch (mode) {
    case ShaProbeMode::plain: return ni_dispatch<false>(ni_streams, calls);
    case ShaProbeMode::all_replay: return ni_dispatch<true>(ni_streams, calls);
    case ShaProbeMode::lanes_replay: return 0;
    }
    return 0;
}

} // namespace dmc::avx512
