// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run bench fr`: nanoseconds per BLS12-381 Fr multiplication of
// the sdk (the cpu plugin's arithmetic: 4x64-bit CIOS), of the avx512
// plugin's 8-lane IFMA kernel, and of a GMP Montgomery multiplication, all
// measured now. Throughput figures run 8 independent chains (what Poseidon
// rounds offer); latency figures one dependent chain.
//
// ratio = avx512 ns / cpu ns (both measured in this run). The issue's
// targets are printed beside it: avx512 ns against 12 ns, and GMP ns over
// avx512 ns (>= 3 wanted).
#include <algorithm>

#include "bench_support.hpp"
#include "cli_common.hpp"

namespace dmc::cli::bench {

namespace {

struct FrOptions {
    uint64_t muls = 20'000'000;
    int repeat = 3;
};

FrOptions &fr_options()
{
    static FrOptions o;
    return o;
}

void run_fr()
{
    const auto &o = fr_options();
    if (o.muls == 0 || o.repeat < 1) fail_usage("--muls and --repeat must be positive");
    Stopwatch total;
    const double load_before = load_average();
    const auto kernels = avx512_kernels(context().registry());
    // Best of `repeat` runs of each, interleaved, so that a neighbour's burst
    // on a shared machine hits every implementation alike.
    double cpu = 1e30, cpu_latency = 1e30, gmp = 1e30, avx = 1e30, avx_latency = 1e30;
    bool gmp_ok = true;
    for (int r = 0; r < o.repeat; ++r) {
        cpu = std::min(cpu, sdk_fr_mul_ns(o.muls));
        cpu_latency = std::min(cpu_latency, sdk_fr_mul_latency_ns(o.muls / 4));
        bool ok = false;
        gmp = std::min(gmp, gmp_fr_mul_ns(o.muls / 4, &ok));
        gmp_ok = gmp_ok && ok;
        if (kernels) {
            avx = std::min(avx, kernels->fr_mul_ns(o.muls));
            avx_latency = std::min(avx_latency, kernels->fr_mul_latency_ns(o.muls / 4));
        }
    }
    if (!gmp_ok) fail("the GMP Montgomery multiplication disagrees with the sdk: benchmark invalid");
    std::printf("Fr multiplication, ns (best of %d; throughput = 8 independent chains):\n", o.repeat);
    std::printf("  cpu/sdk 4x64 CIOS     %8.2f   (one chain: %.2f)\n", cpu, cpu_latency);
    if (kernels)
        std::printf("  avx512 IFMA x8 lanes  %8.2f   (one 8-lane product in a chain: %.2f)\n", avx, avx_latency);
    else
        std::printf("  avx512                not usable on this CPU (plugin missing or features absent)\n");
    std::printf("  GMP mpn Montgomery    %8.2f\n", gmp);
    ResultLine line("fr");
    line.add("cpu_ns", cpu).add("cpu_latency_ns", cpu_latency).add("gmp_ns", gmp);
    if (kernels) {
        line.add("avx512_ns", avx)
            .add("avx512_latency_ns", avx_latency)
            .add("gmp_over_avx512", gmp / avx)
            .add("avx512_over_12ns_target", avx / 12.0)
            .add("seconds", total.wall_seconds())
            .add("ratio", avx / cpu)
            .add("ratio_basis", "avx512_ns/cpu_ns");
    } else {
        line.add("avx512_ns", "unavailable").add("seconds", total.wall_seconds()).add("ratio", 1.0).add(
            "ratio_basis", "cpu_ns/cpu_ns(avx512 unavailable)");
    }
    line.add("load1_before", load_before, 2).add("load1_after", load_average(), 2).print();
}

} // namespace

void add_fr_bench(CLI::App *bench)
{
    auto &o = fr_options();
    auto *cmd = bench->add_subcommand("fr", "ns per Fr multiplication: cpu/sdk, avx512 IFMA, GMP (ratio avx512/cpu)");
    cmd->add_option("--muls", o.muls, "Multiplications per measurement (default 2e7)");
    cmd->add_option("--repeat", o.repeat, "Measurements of each, best kept (default 3)");
    cmd->callback(run_fr);
}

} // namespace dmc::cli::bench
