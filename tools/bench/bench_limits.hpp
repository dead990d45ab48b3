// SPDX-License-Identifier: Apache-2.0
//
// The limits the PC1, PC2 and rebuild benchmarks compare with, measured in
// the same run through the plugins' kernel_bench stages (plugin_kernels.hpp)
// and in-process references. Each measure_* call keeps the best (smallest)
// figure seen so far: measured before and after a run, the stricter wins,
// and on a shared machine a disturbed timing only makes a limit looser.
//
// PC1 (a label is 20 SHA-256 compressions; its prefix block depends on no
// label, so 19 are in the dependent chain; R of the 20 repeat an earlier
// block of the same label, so their schedule can be kept and replayed,
// docs/algorithms.md §7.2):
//   single-stream bound of one sector = nodes·layers·19 · chain_ns
//   batch bound of one sector on one core = nodes·layers · label time
//   label time = the cheapest mix of the measured configurations that does
//              20 − R plain and R repeated compressions (engine_mix.hpp)
// PC2 (docs/algorithms.md §14.2), per sector on one core:
//   full_mul_equivalents bound = optimised-form Fr multiplications · mul_ns
//   IFMA floor = S-box multiplications · mul_ns
//              + matrix rows · kRedcMadd52 · madd52_ns
// where one Montgomery reduction of the 5x52-bit IFMA representation is at
// least kRedcMadd52 lane multiply-adds, at the madd52 kernel's throughput.
// A plugin without a madd52 kernel gets the S-box term alone (a weaker,
// still valid floor).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>

#include "bench_support.hpp"
#include "engine_mix.hpp"
#include "plugin_kernels.hpp"

namespace dmc::cli::bench {

// 5 rounds of (1 product for m + 5 low + 5 high products of m·r).
inline constexpr unsigned kRedcMadd52 = 5 * (1 + 2 * 5);

// What a sha256_throughput configuration compresses from kept schedules
// (the kernel's params[2], docs/plugin-guide.md).
enum class ShaMode : unsigned { plain = 0, lanes_replay = 1, all_replay = 2 };

// One sha256_throughput configuration: AVX-512 lanes (0, 8, 16), SHA-NI
// streams interleaved, and what replays kept schedules.
struct ShaConfig {
    unsigned lanes = 0, streams = 0;
    ShaMode mode = ShaMode::plain;
    auto operator<=>(const ShaConfig &) const = default;
};

struct ShaLimits {
    double openssl_ns = 1e30;    // OpenSSL's block function, one chain
    double kernel_ns = 1e30;     // the plugin's sha256_chain kernel
    double multi_best_ns = 1e30; // best plain configuration, per compression
    std::string multi_basis = "none";
    double replay_best_ns = 1e30; // best configuration that replays, per compression
    std::string replay_basis = "none";
    double lanes16_ns = 1e30; // 16 AVX-512 lanes alone, for reference
    // Every measured configuration -> ns per compression.
    std::map<ShaConfig, double> configs;
    double chain_ns() const { return openssl_ns < kernel_ns ? openssl_ns : kernel_ns; }
    bool has_throughput() const { return multi_best_ns < 1e29; }
    // One label's 20 compressions, `replayed` of them repeated blocks, at
    // the cheapest mix of the measured configurations (per core; 20 at
    // multi_best_ns when no mix is measured).
    EngineMix label_mix(double replayed) const;
};

// `repeats` short timings of each (a few ms: about a scheduler time slice).
void measure_sha_chain(const std::optional<PluginKernels> &kernels, int repeats, ShaLimits &limits);
// Every engine combination of sha256_throughput (lanes, SHA-NI streams, mode).
void measure_sha_throughput(const std::optional<PluginKernels> &kernels, int repeats, ShaLimits &limits);

// The limit of one pc1 call of `sectors` sectors on `threads` threads, per
// core: the best configurations need as many independent chains per core as
// they have lanes + streams (21 for 16 lanes + 5 SHA-NI streams), which a
// call with fewer sectors per thread cannot give. Here each thread u of
// 1..threads gets c = ceil(sectors/u) chains, and a node of c chains costs
// the cheapest mix (engine_mix.hpp) of the configurations that hold c
// chains, the SHA-NI streams taking what they can and the lanes the rest
// (idle lanes still cost their instructions), for c · (20 − R) plain and
// c · R repeated compressions:
//   speed-up per core = (sectors/threads) · 19 · chain_ns ÷ node_ns
// maximised over u (one chain per thread: the single-stream bound itself,
// 1 per busy thread). basis names the choice.
struct SplitLimit {
    double per_core_speedup = 0;
    std::string basis = "none";
};
SplitLimit pc1_split_limit(const ShaLimits &limits, uint32_t sectors, uint32_t threads, double replayed);

// PC1 core-seconds of one sector: single stream, and in a batch.
double pc1_single_stream_bound_s(const SealProof &proof, const ShaLimits &limits);
double pc1_batch_bound_s(const SealProof &proof, const ShaLimits &limits);
std::string pc1_batch_basis(const SealProof &proof, const ShaLimits &limits);

struct FrRates {
    double mul_ns = 1e30;    // the plugin's fr_mul kernel, else the sdk's
    double madd52_ns = 1e30; // per lane product; 1e30 when not offered
    std::string mul_source;  // "<plugin>:fr_mul" or "sdk"
    bool has_madd52() const { return madd52_ns < 1e29; }
};

// The rates of the arithmetic `plugin` runs, best of two timings each.
void measure_fr_rates(const core::PluginRegistry &registry, const std::string &plugin, FrRates &rates);

// Core-seconds of Poseidon work: full_mul_equivalents and the floor.
double full_mul_bound_s(const PoseidonWork &work, const FrRates &rates);
double ifma_floor_s(const PoseidonWork &work, const FrRates &rates);
std::string ifma_floor_basis(const FrRates &rates);

} // namespace dmc::cli::bench
