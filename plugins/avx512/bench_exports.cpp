// SPDX-License-Identifier: Apache-2.0
//
// Measurements of the plugin's kernels for `damocles-run bench` (not part of
// the stage ABI): the bench finds these symbols with dlsym in the loaded
// plugin, and calls them only when the registry found the plugin usable
// (CPU features checked). Each returns a time per unit measured now, in
// wall-clock nanoseconds, so that benchmarks can compare a stage's time
// with a limit measured in the same run.
//
//   double dmc_avx512_bench_sha_block_ns(uint64_t blocks)
//       one SHA-NI compression in a single dependent chain (the PC1 unit)
//   double dmc_avx512_bench_sha_multi_ns(uint32_t lanes, uint32_t ni_streams, uint64_t blocks)
//       one compression at the throughput of `lanes` AVX-512 lanes (0, 8,
//       16) with `ni_streams` SHA-NI streams interleaved (independent
//       messages, sha_throughput.cpp); 0 for a combination it lacks
//   int dmc_avx512_bench_pc1_plan(uint32_t sectors, uint32_t threads, char *out, uint32_t size)
//       how the pc1 stage runs that many sectors on that many threads
//       (workers and engines, e.g. "1 x lanes16[16]"), as one line in out;
//       returns the number of workers
//   double dmc_avx512_bench_fr_mul_ns(uint64_t muls)
//       one Fr multiplication, 8 IFMA lanes x 8 independent chains (throughput)
//   double dmc_avx512_bench_fr_mul_latency_ns(uint64_t muls)
//       one 8-lane IFMA multiplication in a dependent chain
//   double dmc_avx512_bench_poseidon_ns(uint32_t arity, uint64_t hashes)
//       one Poseidon hash (arity 2, 8 or 11), 8 lanes per call
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "damocles/plugin.h"
#include "pc1_batch_plan.hpp"
#include "poseidon_ifma.hpp"
#include "sdr_label_kernel.hpp"
#include "sha_throughput.hpp"

namespace {

using namespace dmc::avx512::ifma;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Distinct pseudo-random elements in Montgomery form.
FrVec sample(uint32_t seed)
{
    uint8_t bytes[8 * 32];
    uint64_t x = 0x9e3779b97f4a7c15ull * (seed + 1);
    for (auto &b : bytes) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b = static_cast<uint8_t>(x);
    }
    for (unsigned j = 0; j < 8; ++j) bytes[32 * j + 31] &= 0x3f;
    FrVec canonical;
    load_canonical(bytes, 8, canonical);
    return to_montgomery(canonical);
}

// Keeps a result observable so that the measured loop is not removed.
void consume(const FrVec &v)
{
    uint8_t bytes[8 * 32];
    store_canonical(to_canonical(v), 8, bytes);
    __asm__ volatile("" : : "r"(bytes) : "memory");
}

} // namespace

extern "C" DMC_EXPORT double dmc_avx512_bench_sha_block_ns(uint64_t blocks)
{
    const double rate = dmc::avx512::sha_ni_chained_blocks_per_second(blocks);
    return rate > 0 ? 1e9 / rate : 0;
}

extern "C" DMC_EXPORT double dmc_avx512_bench_sha_multi_ns(uint32_t lanes, uint32_t ni_streams, uint64_t blocks)
{
    return dmc::avx512::sha_throughput_ns(lanes, ni_streams, blocks);
}

extern "C" DMC_EXPORT int dmc_avx512_bench_pc1_plan(uint32_t sectors, uint32_t threads, char *out, uint32_t size)
{
    using namespace dmc::avx512;
    if (sectors == 0 || !out || size == 0) return 0;
    std::string text;
    int workers = 0;
    if (pc1_single_path(sectors, threads, "")) {
        workers = static_cast<int>(sectors);
        text = std::to_string(sectors) + " x sha-ni-single[1]";
    } else {
        const auto plan = plan_pc1_workers(sectors, threads, engine_times(), "");
        workers = static_cast<int>(plan.size());
        for (const auto &w : plan) {
            if (!text.empty()) text += " + ";
            text += std::string(engine_name(w.engine)) + "[" + std::to_string(w.sectors.size()) + "]";
        }
    }
    std::snprintf(out, size, "%s", text.c_str());
    return workers;
}

extern "C" DMC_EXPORT double dmc_avx512_bench_fr_mul_ns(uint64_t muls)
{
    FrVec v[8];
    for (uint32_t i = 0; i < 8; ++i) v[i] = sample(i);
    const uint64_t rounds = muls / 64 + 1;
    const auto start = Clock::now();
    for (uint64_t k = 0; k < rounds; ++k)
        for (unsigned i = 0; i < 8; ++i) v[i] = mul(v[i], v[(i + 1) & 7]);
    const double seconds = seconds_since(start);
    consume(v[0]);
    return seconds * 1e9 / double(rounds * 64);
}

extern "C" DMC_EXPORT double dmc_avx512_bench_fr_mul_latency_ns(uint64_t muls)
{
    FrVec x = sample(1);
    const FrVec y = sample(2);
    const uint64_t rounds = muls / 8 + 1;
    const auto start = Clock::now();
    for (uint64_t k = 0; k < rounds; ++k) x = mul(x, y);
    const double seconds = seconds_since(start);
    consume(x);
    return seconds * 1e9 / double(rounds);
}

extern "C" DMC_EXPORT double dmc_avx512_bench_poseidon_ns(uint32_t arity, uint64_t hashes)
{
    if (arity != 2 && arity != 8 && arity != 11) return 0;
    const PoseidonIfmaConstants &constants = poseidon_ifma_constants(arity);
    FrVec inputs[11];
    for (uint32_t i = 0; i < arity; ++i) inputs[i] = sample(10 + i);
    const uint64_t calls = hashes / 8 + 1;
    const auto start = Clock::now();
    for (uint64_t k = 0; k < calls; ++k) inputs[k % arity] = poseidon_hash8(constants, inputs);
    const double seconds = seconds_since(start);
    consume(inputs[0]);
    return seconds * 1e9 / double(calls * 8);
}
