// SPDX-License-Identifier: Apache-2.0
//
// kernel_bench (ABI 1.1): the avx512 plugin's kernels timed for
// `damocles-run bench`, reached through the stage table like any stage
// (docs/plugin-guide.md "Kernel measurements"). Each timed kernel returns
// wall-clock ns per unit of args.work, measured now, so that a benchmark
// compares a stage with a limit of the same code in the same run.
//
//   sha256_chain        one SHA-NI compression in a single dependent chain
//                       (the PC1 unit); work = compressions
//   sha256_throughput   one compression at the throughput of params[0]
//                       AVX-512 lanes (0, 8, 16) with params[1] SHA-NI
//                       streams interleaved (independent messages);
//                       params[2]: 0 every block plain, 1 the lanes replay
//                       kept schedules, 2 every engine does
//                       (sha_throughput.hpp ShaProbeMode)
//   pc1_plan            not timed: how the pc1 stage runs params[0] sectors
//                       on params[1] threads, one line in text
//   fr_mul              one Fr product, 8 IFMA lanes x 8 independent chains
//   fr_mul_latency      one 8-lane IFMA product in a dependent chain
//   madd52              one 52-bit lane product-accumulate (an IFMA
//                       instruction does 8), independent accumulators
//   poseidon            one Poseidon hash of arity params[0] (2, 8, 11),
//                       8 lanes per call
#include <immintrin.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "avx512_stages.hpp"
#include "damocles/sdk/kernel_bench_support.hpp"
#include "pc1_batch_plan.hpp"
#include "poseidon_ifma.hpp"
#include "sdr_label_kernel.hpp"
#include "sha_throughput.hpp"

namespace dmc::avx512 {

namespace {

using namespace ifma;
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

double time_sha256_chain(const dmc_kernel_bench_args &args)
{
    const double rate = sha_ni_chained_blocks_per_second(args.work);
    return rate > 0 ? 1e9 / rate : plugin::kNotOffered;
}

double time_sha256_throughput(const dmc_kernel_bench_args &args)
{
    const double ns = args.params[2] > 2 ? 0
                                         : sha_throughput_ns(static_cast<unsigned>(args.params[0]),
                                                             static_cast<unsigned>(args.params[1]),
                                                             static_cast<ShaProbeMode>(args.params[2]), args.work);
    return ns > 0 ? ns : plugin::kNotOffered;
}

double describe_pc1_plan(const dmc_kernel_bench_args &args)
{
    const auto sectors = static_cast<uint32_t>(args.params[0]);
    const auto threads = static_cast<uint32_t>(args.params[1]);
    if (sectors == 0 || sectors > kMaxPc1Sectors) return plugin::kNotOffered;
    std::string text;
    if (pc1_single_path(sectors, threads, "")) {
        text = std::to_string(sectors) + " x sha-ni-single[1]";
    } else {
        for (const auto &worker : plan_pc1_workers(sectors, threads, engine_times(), "")) {
            if (!text.empty()) text += " + ";
            text += std::string(engine_name(worker.engine)) + "[" + std::to_string(worker.sectors.size()) + "]";
        }
    }
    plugin::put_text(args, text);
    return 0;
}

double time_fr_mul(const dmc_kernel_bench_args &args)
{
    FrVec v[8];
    for (uint32_t i = 0; i < 8; ++i) v[i] = sample(i);
    const uint64_t rounds = args.work / 64 + 1;
    const auto start = Clock::now();
    for (uint64_t k = 0; k < rounds; ++k)
        for (unsigned i = 0; i < 8; ++i) v[i] = mul(v[i], v[(i + 1) & 7]);
    const double seconds = seconds_since(start);
    consume(v[0]);
    return seconds * 1e9 / double(rounds * 64);
}

double time_fr_mul_latency(const dmc_kernel_bench_args &args)
{
    FrVec x = sample(1);
    const FrVec y = sample(2);
    const uint64_t rounds = args.work / 8 + 1;
    const auto start = Clock::now();
    for (uint64_t k = 0; k < rounds; ++k) x = mul(x, y);
    const double seconds = seconds_since(start);
    consume(x);
    return seconds * 1e9 / double(rounds);
}

// 16 independent accumulators hide the instruction's latency, so the loop
// runs at the IFMA units' throughput: the fastest any product can go. The
// empty asm makes each accumulator opaque, so the compiler cannot merge or
// drop the multiply-adds.
double time_madd52(const dmc_kernel_bench_args &args)
{
    constexpr unsigned kAccumulators = 16;
    __m512i acc[kAccumulators];
    for (unsigned i = 0; i < kAccumulators; ++i) acc[i] = _mm512_set1_epi64(static_cast<long long>(i + 1));
    const __m512i a = _mm512_set1_epi64(0x000f123456789abcll);
    const __m512i b = _mm512_set1_epi64(0x0009876543210fedll);
    const uint64_t rounds = args.work / (8 * kAccumulators) + 1;
    const auto start = Clock::now();
    for (uint64_t k = 0; k < rounds; ++k) {
#pragma GCC unroll 16
        for (unsigned i = 0; i < kAccumulators; ++i) {
            acc[i] = _mm512_madd52lo_epu64(acc[i], a, b);
            __asm__ volatile("" : "+v"(acc[i]));
        }
    }
    const double seconds = seconds_since(start);
    __m512i sum = acc[0];
    for (unsigned i = 1; i < kAccumulators; ++i) sum = _mm512_add_epi64(sum, acc[i]);
    __asm__ volatile("" : : "v"(sum) : "memory");
    return seconds * 1e9 / double(rounds * 8 * kAccumulators);
}

double time_poseidon(const dmc_kernel_bench_args &args)
{
    const auto arity = static_cast<uint32_t>(args.params[0]);
    if (arity != 2 && arity != 8 && arity != 11) return plugin::kNotOffered;
    const PoseidonIfmaConstants &constants = poseidon_ifma_constants(arity);
    FrVec inputs[11];
    for (uint32_t i = 0; i < arity; ++i) inputs[i] = sample(10 + i);
    const uint64_t calls = args.work / 8 + 1;
    const auto start = Clock::now();
    for (uint64_t k = 0; k < calls; ++k) inputs[k % arity] = poseidon_hash8(constants, inputs);
    const double seconds = seconds_since(start);
    consume(inputs[0]);
    return seconds * 1e9 / double(calls * 8);
}

const plugin::KernelBenchEntry kKernels[] = {
    {"sha256_chain", time_sha256_chain},
    {"sha256_throughput", time_sha256_throughput},
    {"pc1_plan", describe_pc1_plan},
    {"fr_mul", time_fr_mul},
    {"fr_mul_latency", time_fr_mul_latency},
    {"madd52", time_madd52},
    {"poseidon", time_poseidon},
};

const char *const kKernelNames[] = {"sha256_chain", "sha256_throughput", "pc1_plan", "fr_mul", "fr_mul_latency",
                                    "madd52",       "poseidon",          nullptr};

dmc_status run_kernel_bench(const dmc_call *call, dmc_kernel_bench_args *args)
{
    return plugin::run_kernel_bench(call, args, kKernels, "avx512");
}

} // namespace

const dmc_kernel_bench_ops kAvx512KernelBenchOps = {sizeof(dmc_kernel_bench_ops), 0, run_kernel_bench, kKernelNames};

} // namespace dmc::avx512
