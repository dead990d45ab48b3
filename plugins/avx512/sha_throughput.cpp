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

struct Messages {
    alignas(64) uint8_t bytes[kMessages][64];      // for SHA-NI streams
    alignas(64) uint32_t words[kMessages][16][16]; // word-sliced, for the lanes
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
    }
};

const Messages &messages()
{
    static const Messages m;
    return m;
}

// SHA-NI rounds of K streams issued between the lane rounds.
template <int K> struct NiStreams {
    Sha256State state[K];
    __m128i msg[K][4];
    template <int q> __attribute__((always_inline)) void quad()
    {
        for (int k = 0; k < K; ++k) quad_rounds<q>(state[k], msg[k]);
    }
    void load(uint64_t call)
    {
        for (int k = 0; k < K; ++k)
            for (int w = 0; w < 4; ++w)
                msg[k][w] = load_be_words(messages().bytes[(call + 7 * k) % kMessages] + 16 * w);
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

// The lanes compress plainly (schedule expanded in the loop) or, with
// kReplay, from schedules kept beforehand (one per message, as the label
// kernel replays the repeated parent blocks of a label); the SHA-NI streams
// always expand their own.
template <class L, int K, bool kReplay> double lanes_with_ni(uint64_t calls)
{
    using V = typename L::V;
    LaneState<L> lanes = LaneState<L>::initial();
    NiStreams<(K > 0 ? K : 1)> ni;
    for (auto &s : ni.state) s = sha256_initial_state();
    std::unique_ptr<LaneSchedule<L>[]> kept;
    if constexpr (kReplay) {
        kept.reset(new LaneSchedule<L>[kMessages]);
        LaneState<L> scratch = LaneState<L>::initial();
        for (unsigned m = 0; m < kMessages; ++m) {
            V w[16];
            for (unsigned j = 0; j < 16; ++j) w[j] = L::load(messages().words[m][j]);
            compress_lanes_keep<L>(scratch, w, kept[m]);
        }
    }
    const auto start = std::chrono::steady_clock::now();
    for (uint64_t c = 0; c < calls; ++c) {
        V w[16];
        if constexpr (!kReplay)
            for (unsigned j = 0; j < 16; ++j) w[j] = L::load(messages().words[c % kMessages][j]);
        Sha256State saved[K > 0 ? K : 1];
        if constexpr (K > 0) {
            for (int k = 0; k < K; ++k) saved[k] = ni.state[k];
            ni.load(c);
        }
        if constexpr (kReplay)
            compress_lanes_replay<L>(lanes, kept[c % kMessages], ni);
        else
            compress_lanes<L>(lanes, w, ni);
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

template <int K> double ni_only(uint64_t calls)
{
    NiStreams<K> ni;
    for (auto &s : ni.state) s = sha256_initial_state();
    const auto start = std::chrono::steady_clock::now();
    for (uint64_t c = 0; c < calls; ++c) {
        ni.load(c);
        compress<K>(ni.state, ni.msg);
    }
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count();
    ni.keep();
    return ns / double(calls * K);
}

template <class L, bool kReplay> double lanes_dispatch(unsigned ni_streams, uint64_t calls)
{
    switch (ni_streams) {
    case 0: return lanes_with_ni<L, 0, kReplay>(calls);
    case 1: return lanes_with_ni<L, 1, kReplay>(calls);
    case 2: return lanes_with_ni<L, 2, kReplay>(calls);
    case 3: return lanes_with_ni<L, 3, kReplay>(calls);
    case 4: return lanes_with_ni<L, 4, kReplay>(calls);
    case 5: return lanes_with_ni<L, 5, kReplay>(calls);
    case 6: return lanes_with_ni<L, 6, kReplay>(calls);
    default: return 0;
    }
}

} // namespace

double sha_throughput_ns(unsigned lanes, unsigned ni_streams, bool replay, uint64_t blocks)
{
    const uint64_t calls = blocks / (lanes + ni_streams + (lanes + ni_streams == 0)) + 1;
    if (lanes == 16)
        return replay ? lanes_dispatch<Lanes16, true>(ni_streams, calls)
                      : lanes_dispatch<Lanes16, false>(ni_streams, calls);
    if (lanes == 8)
        return replay ? lanes_dispatch<Lanes8, true>(ni_streams, calls)
                      : lanes_dispatch<Lanes8, false>(ni_streams, calls);
    if (lanes != 0 || replay) return 0;
    switch (ni_streams) {
    case 1: return ni_only<1>(calls);
    case 2: return ni_only<2>(calls);
    case 3: return ni_only<3>(calls);
    case 4: return ni_only<4>(calls);
    case 5: return ni_only<5>(calls);
    case 6: return ni_only<6>(calls);
    case 7: return ni_only<7>(calls);
    case 8: return ni_only<8>(calls);
    default: return 0;
    }
}

} // namespace dmc::avx512
