// SPDX-License-Identifier: Apache-2.0
//
// SHA-256 block compression for 8 or 16 independent messages at once, one
// message per 32-bit lane of an AVX-512 register (plain AVX-512F/VL: vprord
// for the rotations, vpternlogd for Ch, Maj and the three-way XORs; no
// SHA-NI). Kernel header: include only from files of the avx512 kernel
// library (compiled with -march=x86-64-v4 -msha).
//
// Why lanes: one SHA-NI stream is bound by the latency of sha256rnds2, while
// the lane form is bound by vector issue (about 1800 operations per block of
// every lane) and has a short dependency chain of its own. On the Zen 5
// host measured, 16 lanes hashed a block per lane in a third of the time of
// one SHA-NI chain, and 8 lanes (ymm) took as long per block as 16 (zmm):
// the cost is per instruction, not per lane. Batch PC1 hashes node v of up
// to 16 sectors in the lanes (docs/algorithms.md, SDR labelling).
//
// SHA-NI runs on its own unit: a few SHA-NI compressions interleaved with a
// lane block cost almost nothing (measured: 1 to 3 extra blocks for 0 to 11
// % more time). compress_lanes() therefore takes a hook that is called after
// every four lane rounds with the quad index, where callers issue SHA-NI
// rounds of independent work (the batch kernel hashes its prefix blocks
// there).
//
// Words are the big-endian words of SHA-256 held as native integers,
// word-sliced: register j holds word j of every lane. Labels are kept in
// that form while a batch is labelled (lane_layout.hpp), so a message block
// is 16 plain loads.
#pragma once

#include <cstdint>
#include <utility>

#include "intrinsics.hpp"
#include "sha256_ni.hpp" // kSha256RoundConstants, shared by both engines

namespace dmc::avx512 {

// Operations on a register of 16 lanes (zmm).
struct Lanes16 {
    using V = __m512i;
    static constexpr unsigned kLanes = 16;
    static V load(const void *p) { return _mm512_load_si512(p); }
    static void store(void *p, V v) { _mm512_store_si512(p, v); }
    static V set1(uint32_t x) { return _mm512_set1_epi32(static_cast<int>(x)); }
    static V add(V a, V b) { return _mm512_add_epi32(a, b); }
    // a + broadcast(*k), the constant read by the instruction itself.
    static V add_broadcast(V a, const uint32_t *k)
    {
        V r;
        __asm__("vpaddd %1%{1to16%}, %2, %0" : "=v"(r) : "m"(*k), "v"(a));
        return r;
    }
    static V band(V a, V b) { return _mm512_and_si512(a, b); }
    template <int r> static V ror(V a) { return _mm512_ror_epi32(a, r); }
    template <int s> static V shr(V a) { return _mm512_srli_epi32(a, s); }
    template <int imm> static V ternary(V a, V b, V c) { return _mm512_ternarylogic_epi32(a, b, c, imm); }
};

// Operations on a register of 8 lanes (ymm, AVX-512VL forms).
struct Lanes8 {
    using V = __m256i;
    static constexpr unsigned kLanes = 8;
    static V load(const void *p) { return _mm256_load_si256(static_cast<const __m256i *>(p)); }
    static void store(void *p, V v) { _mm256_store_si256(static_cast<__m256i *>(p), v); }
    static V set1(uint32_t x) { return _mm256_set1_epi32(static_cast<int>(x)); }
    static V add(V a, V b) { return _mm256_add_epi32(a, b); }
    static V add_broadcast(V a, const uint32_t *k)
    {
        V r;
        __asm__("vpaddd %1%{1to8%}, %2, %0" : "=v"(r) : "m"(*k), "v"(a));
        return r;
    }
    static V band(V a, V b) { return _mm256_and_si256(a, b); }
    template <int r> static V ror(V a) { return _mm256_ror_epi32(a, r); }
    template <int s> static V shr(V a) { return _mm256_srli_epi32(a, s); }
    template <int imm> static V ternary(V a, V b, V c) { return _mm256_ternarylogic_epi32(a, b, c, imm); }
};

inline constexpr uint32_t kSha256Iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                          0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

template <class L> struct LaneState {
    typename L::V h[8];
    static LaneState initial()
    {
        LaneState s;
        for (int i = 0; i < 8; ++i) s.h[i] = L::set1(kSha256Iv[i]);
        return s;
    }
};

// A hook that does nothing (compress_lanes without interleaved work).
struct NoQuadHook {
    template <int q> void quad() {}
};

namespace lanes_detail {

// Ternary-logic truth tables (a, b, c = first, second, third operand).
constexpr int kXor3 = 0x96;
constexpr int kChoose = 0xca; // a ? b : c
constexpr int kMajority = 0xe8;

template <class L> __attribute__((always_inline)) inline typename L::V big_sigma0(typename L::V a)
{
    return L::template ternary<kXor3>(L::template ror<2>(a), L::template ror<13>(a), L::template ror<22>(a));
}
template <class L> __attribute__((always_inline)) inline typename L::V big_sigma1(typename L::V e)
{
    return L::template ternary<kXor3>(L::template ror<6>(e), L::template ror<11>(e), L::template ror<25>(e));
}
template <class L> __attribute__((always_inline)) inline typename L::V small_sigma0(typename L::V x)
{
    return L::template ternary<kXor3>(L::template ror<7>(x), L::template ror<18>(x), L::template shr<3>(x));
}
template <class L> __attribute__((always_inline)) inline typename L::V small_sigma1(typename L::V x)
{
    return L::template ternary<kXor3>(L::template ror<17>(x), L::template ror<19>(x), L::template shr<10>(x));
}

// One round. The eight working variables rotate through the registers by
// renaming (the caller passes them shifted), so no moves are issued. With
// u = h + K + W + Ch(e, f, g), the new e is (d + u) + Σ1(e) and the new a is
// (u + Σ1(e)) + (Maj(a, b, c) + Σ0(a)): eight additions per round. Which
// grouping is fastest is not what a latency count predicts (vector additions
// take 2 cycles on Zen 5); measured there on one 16-lane block: this one 637
// cycles; e = ((d + h + K + W) + Ch) + Σ1 with T1 formed apart, 713; the
// textbook e = d + T1, a = T1 + (Σ0 + Maj), 715.
template <class L>
__attribute__((always_inline)) inline void round(typename L::V a, typename L::V b, typename L::V c, typename L::V &d,
                                                 typename L::V e, typename L::V f, typename L::V g, typename L::V &h,
                                                 typename L::V kw)
{
    using V = typename L::V;
    const V u = L::add(L::add(h, kw), L::template ternary<kChoose>(e, f, g));
    const V sigma1 = big_sigma1<L>(e);
    d = L::add(L::add(d, u), sigma1);
    h = L::add(L::add(u, sigma1), L::add(L::template ternary<kMajority>(a, b, c), big_sigma0<L>(a)));
}

// Schedule words t..t+7 (t >= 16) into the ring w[0..15].
template <class L, int t> __attribute__((always_inline)) inline void schedule8(typename L::V (&w)[16])
{
#pragma GCC unroll 8
    for (int i = 0; i < 8; ++i) {
        const int j = (t + i) & 15;
        w[j] = L::add(L::add(w[j], small_sigma0<L>(w[(j + 1) & 15])),
                      L::add(w[(j + 9) & 15], small_sigma1<L>(w[(j + 14) & 15])));
    }
}

// W[t] + K[t]. The constant is a broadcast operand of the addition: as a
// separate vector the compiler hoists all 64 out of the caller's loops and
// spills them, which measured slower than reading them from L1 every time.
template <class L, int t> __attribute__((always_inline)) inline typename L::V kw(const typename L::V (&w)[16])
{
    return L::add_broadcast(w[t & 15], &kSha256RoundConstants[t]);
}

// Where a compression's W[t] + K[t] come from: computed from the message
// (plain), computed and also stored to a schedule buffer (keep), or read
// back from a buffer a keep compression of the same message block filled
// (replay: no schedule work at all).
enum class ScheduleMode { plain, keep, replay };

template <class L> struct ScheduleIo {
    const typename L::V *in = nullptr; // replay
    typename L::V *out = nullptr;      // keep
};

template <class L, ScheduleMode kMode, int t>
__attribute__((always_inline)) inline typename L::V round_word(const typename L::V (&w)[16], const ScheduleIo<L> &io)
{
    if constexpr (kMode == ScheduleMode::replay) {
        return L::load(io.in + t);
    } else {
        const typename L::V word = kw<L, t>(w);
        if constexpr (kMode == ScheduleMode::keep) L::store(io.out + t, word);
        return word;
    }
}

// Rounds t..t+7, then hook quads t/4 and t/4+1.
template <class L, ScheduleMode kMode, int t, class Hook>
__attribute__((always_inline)) inline void eight_rounds(typename L::V (&s)[8], typename L::V (&w)[16],
                                                        const ScheduleIo<L> &io, Hook &hook)
{
    if constexpr (kMode != ScheduleMode::replay && t >= 16) schedule8<L, t>(w);
    round<L>(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], round_word<L, kMode, t + 0>(w, io));
    round<L>(s[7], s[0], s[1], s[2], s[3], s[4], s[5], s[6], round_word<L, kMode, t + 1>(w, io));
    round<L>(s[6], s[7], s[0], s[1], s[2], s[3], s[4], s[5], round_word<L, kMode, t + 2>(w, io));
    round<L>(s[5], s[6], s[7], s[0], s[1], s[2], s[3], s[4], round_word<L, kMode, t + 3>(w, io));
    hook.template quad<t / 4>();
    round<L>(s[4], s[5], s[6], s[7], s[0], s[1], s[2], s[3], round_word<L, kMode, t + 4>(w, io));
    round<L>(s[3], s[4], s[5], s[6], s[7], s[0], s[1], s[2], round_word<L, kMode, t + 5>(w, io));
    round<L>(s[2], s[3], s[4], s[5], s[6], s[7], s[0], s[1], round_word<L, kMode, t + 6>(w, io));
    round<L>(s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[0], round_word<L, kMode, t + 7>(w, io));
    hook.template quad<t / 4 + 1>();
}

template <class L, ScheduleMode kMode, class Hook>
__attribute__((always_inline)) inline void compress(LaneState<L> &state, typename L::V (&w)[16],
                                                    const ScheduleIo<L> &io, Hook &hook)
{
    using V = typename L::V;
    // Eight rounds rotate the working variables back to where they started.
    V s[8] = {state.h[0], state.h[1], state.h[2], state.h[3], state.h[4], state.h[5], state.h[6], state.h[7]};
    [&]<int... k>(std::integer_sequence<int, k...>) __attribute__((always_inline))
    {
        (eight_rounds<L, kMode, 8 * k>(s, w, io, hook), ...);
    }
    (std::make_integer_sequence<int, 8>{});
    for (int i = 0; i < 8; ++i) state.h[i] = L::add(state.h[i], s[i]);
}

} // namespace lanes_detail

// Compresses one block per lane into `state`. `w` holds the 16 message words
// (word-sliced) and is used as the schedule's ring buffer (overwritten).
// hook.quad<q>() (q = 0..15) is called after every four rounds.
template <class L, class Hook = NoQuadHook>
__attribute__((always_inline)) inline void compress_lanes(LaneState<L> &state, typename L::V (&w)[16], Hook &&hook = {})
{
    lanes_detail::compress<L, lanes_detail::ScheduleMode::plain>(state, w, {}, hook);
}

// The 64 words W[t] + K[t] of one message block in every lane: what a
// compression needs of its message once the schedule is expanded.
template <class L> struct alignas(64) LaneSchedule {
    typename L::V kw[64];
};

// compress_lanes that also keeps the block's expanded schedule in `kept`.
template <class L, class Hook = NoQuadHook>
__attribute__((always_inline)) inline void compress_lanes_keep(LaneState<L> &state, typename L::V (&w)[16],
                                                               LaneSchedule<L> &kept, Hook &&hook = {})
{
    lanes_detail::compress<L, lanes_detail::ScheduleMode::keep>(state, w, {nullptr, kept.kw}, hook);
}

// Compresses a block whose schedule compress_lanes_keep kept: the rounds
// alone, about two thirds of the work of a compression (the schedule's 48
// words are a third of the vector operations). SDR's label repeats its
// parent blocks (docs/algorithms.md, SDR labelling), so most of a label's
// blocks are compressed this way.
template <class L, class Hook = NoQuadHook>
__attribute__((always_inline)) inline void compress_lanes_replay(LaneState<L> &state, const LaneSchedule<L> &kept,
                                                                 Hook &&hook = {})
{
    typename L::V unused[16]; // the message words: never read when replaying
    lanes_detail::compress<L, lanes_detail::ScheduleMode::replay>(state, unused, {kept.kw, nullptr}, hook);
}

} // namespace dmc::avx512
