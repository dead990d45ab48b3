// SPDX-License-Identifier: Apache-2.0
//
// kernel_bench (ABI 1.1): the cpu plugin's Fr arithmetic timed for
// `damocles-run bench` (docs/plugin-guide.md "Kernel measurements"), so that
// a bench compares the cpu stages with the arithmetic they run, compiled as
// they are (portable x86-64).
//
//   fr_mul          one Fr product (4x64-bit CIOS), 8 independent chains
//   fr_mul_latency  one Fr product in a dependent chain
//   poseidon        one Poseidon hash of arity params[0] (2, 8, 11)
#include <chrono>
#include <cstdint>
#include <vector>

#include "cpu_stages.hpp"
#include "damocles/sdk/fr.hpp"
#include "damocles/sdk/kernel_bench_support.hpp"
#include "damocles/sdk/poseidon.hpp"

namespace dmc::cpu {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// A pseudo-random element (canonical: the top two bits are cleared).
Fr sample(uint64_t seed)
{
    uint8_t bytes[32];
    uint64_t x = 0x9e3779b97f4a7c15ull * (seed + 1);
    for (auto &b : bytes) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b = static_cast<uint8_t>(x >> 11);
    }
    bytes[31] &= 0x3f;
    Fr out;
    Fr::try_from_bytes(bytes, out);
    return out;
}

void consume(const Fr &v)
{
    volatile uint64_t sink = v.l[0];
    (void)sink;
}

double time_fr_mul(const dmc_kernel_bench_args &args)
{
    Fr v[8];
    for (uint64_t i = 0; i < 8; ++i) v[i] = sample(i + 1);
    const uint64_t rounds = args.work / 8 + 1;
    const auto start = Clock::now();
    for (uint64_t k = 0; k < rounds; ++k)
        for (unsigned i = 0; i < 8; ++i) v[i] = mul(v[i], v[(i + 1) & 7]);
    const double seconds = seconds_since(start);
    consume(v[0]);
    return seconds * 1e9 / double(rounds * 8);
}

double time_fr_mul_latency(const dmc_kernel_bench_args &args)
{
    Fr x = sample(3);
    const Fr y = sample(4);
    const auto start = Clock::now();
    for (uint64_t k = 0; k < args.work; ++k) x = mul(x, y);
    const double seconds = seconds_since(start);
    consume(x);
    return seconds * 1e9 / double(args.work);
}

double time_poseidon(const dmc_kernel_bench_args &args)
{
    const auto arity = static_cast<unsigned>(args.params[0]);
    if (arity != 2 && arity != 8 && arity != 11) return plugin::kNotOffered;
    std::vector<Fr> inputs(arity);
    for (unsigned i = 0; i < arity; ++i) inputs[i] = sample(10 + i);
    const auto start = Clock::now();
    for (uint64_t k = 0; k < args.work; ++k) inputs[k % arity] = poseidon_hash(arity, inputs);
    const double seconds = seconds_since(start);
    consume(inputs[0]);
    return seconds * 1e9 / double(args.work);
}

const plugin::KernelBenchEntry kKernels[] = {
    {"fr_mul", time_fr_mul},
    {"fr_mul_latency", time_fr_mul_latency},
    {"poseidon", time_poseidon},
};

const char *const kKernelNames[] = {"fr_mul", "fr_mul_latency", "poseidon", nullptr};

dmc_status run_kernel_bench(const dmc_call *call, dmc_kernel_bench_args *args)
{
    return plugin::run_kernel_bench(call, args, kKernels, "cpu");
}

} // namespace

const dmc_kernel_bench_ops kCpuKernelBenchOps = {sizeof(dmc_kernel_bench_ops), 0, run_kernel_bench, kKernelNames};

} // namespace dmc::cpu
