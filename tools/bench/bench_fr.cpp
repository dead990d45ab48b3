// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run bench fr`: nanoseconds per BLS12-381 Fr multiplication of
// the cpu plugin (4x64-bit CIOS, the sdk's arithmetic), of the avx512
// plugin's 8-lane IFMA kernel (both through their kernel_bench stages), and
// of GMP at its fastest (gmp_fr_reference.hpp: the fastest of three ways,
// named in gmp_method), all measured now. Throughput figures run 8
// independent chains (what Poseidon rounds offer); latency figures one
// dependent chain.
//
// ratio = avx512 ns / cpu ns (both measured in this run). The issue's
// targets are printed beside it: avx512 ns against 12 ns, and GMP ns over
// avx512 ns (>= 3 wanted).
#include <algorithm>

#include "bench_support.hpp"
#include "cli_common.hpp"
#include "gmp_fr_reference.hpp"
#include "plugin_kernels.hpp"

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

// The best of `repeat` timings of a kernel, or of the sdk in-process when
// the plugin (or its kernel) is absent.
struct KernelFigure {
    double ns = 1e30;
    std::string source = "sdk";
};

void measure_mul(const std::optional<PluginKernels> &kernels, const char *kernel, uint64_t muls,
                 double (*sdk_fallback)(uint64_t), KernelFigure &figure)
{
    std::optional<double> ns;
    if (kernels) ns = kernels->ns_per_op(kernel, muls);
    if (ns) figure.source = kernels->plugin_name() + ":" + kernel;
    if (!ns && sdk_fallback) ns = sdk_fallback(muls);
    if (ns) figure.ns = std::min(figure.ns, *ns);
}

void run_fr()
{
    const auto &o = fr_options();
    if (o.muls == 0 || o.repeat < 1) fail_usage("--muls and --repeat must be positive");
    Stopwatch total;
    const double load_before = load_average();
    const auto cpu_kernels = PluginKernels::of(context().registry(), "cpu");
    const auto avx_kernels = PluginKernels::of(context().registry(), "avx512");
    const bool have_avx = avx_kernels && avx_kernels->has("fr_mul");
    // Best of `repeat` runs of each, interleaved, so that a neighbour's burst
    // on a shared machine hits every implementation alike.
    KernelFigure cpu, cpu_latency, avx, avx_latency;
    std::vector<GmpMethodTime> gmp;
    for (int r = 0; r < o.repeat; ++r) {
        measure_mul(cpu_kernels, "fr_mul", o.muls, sdk_fr_mul_ns, cpu);
        measure_mul(cpu_kernels, "fr_mul_latency", o.muls / 4 + 1, sdk_fr_mul_latency_ns, cpu_latency);
        for (const auto &m : gmp_fr_mul_methods(o.muls / 4 + 1)) {
            if (!m.matches_sdk)
                fail("the GMP multiplication " + m.method + " disagrees with the sdk: benchmark invalid");
            auto it = std::find_if(gmp.begin(), gmp.end(), [&](const auto &g) { return g.method == m.method; });
            if (it == gmp.end())
                gmp.push_back(m);
            else
                it->ns = std::min(it->ns, m.ns);
        }
        if (have_avx) {
            measure_mul(avx_kernels, "fr_mul", o.muls, nullptr, avx);
            measure_mul(avx_kernels, "fr_mul_latency", o.muls / 4 + 1, nullptr, avx_latency);
        }
    }
    const auto fastest =
        std::min_element(gmp.begin(), gmp.end(), [](const auto &a, const auto &b) { return a.ns < b.ns; });
    std::printf("Fr multiplication, ns (best of %d; throughput = 8 independent chains):\n", o.repeat);
    std::printf("  cpu 4x64 CIOS         %8.2f   (one chain: %.2f)   [%s]\n", cpu.ns, cpu_latency.ns,
                cpu.source.c_str());
    if (have_avx)
        std::printf("  avx512 IFMA x8 lanes  %8.2f   (one 8-lane product in a chain: %.2f)\n", avx.ns, avx_latency.ns);
    else
        std::printf("  avx512                not usable on this CPU (plugin missing or features absent)\n");
    for (const auto &m : gmp)
        std::printf("  GMP %-17s %8.2f%s\n", m.method.c_str(), m.ns,
                    &m == &*fastest ? "   (fastest: the baseline)" : "");
    ResultLine line("fr");
    line.add("cpu_ns", cpu.ns).add("cpu_latency_ns", cpu_latency.ns).add("cpu_source", cpu.source);
    line.add("gmp_ns", fastest->ns).add("gmp_method", fastest->method);
    for (const auto &m : gmp) line.add("gmp_" + m.method + "_ns", m.ns);
    if (have_avx) {
        line.add("avx512_ns", avx.ns)
            .add("avx512_latency_ns", avx_latency.ns)
            .add("gmp_over_avx512", fastest->ns / avx.ns)
            .add("avx512_over_12ns_target", avx.ns / 12.0)
            .add("seconds", total.wall_seconds())
            .add("ratio", avx.ns / cpu.ns)
            .add("ratio_basis", "avx512_ns/cpu_ns");
    } else {
        line.add("avx512_ns", "unavailable")
            .add("seconds", total.wall_seconds())
            .add("ratio", 1.0)
            .add("ratio_basis", "cpu_ns/cpu_ns(avx512 unavailable)");
    }
    line.add("load1_before", load_before, 2).add("load1_after", load_average(), 2).print();
}

} // namespace

void add_fr_bench(CLI::App *bench)
{
    auto &o = fr_options();
    auto *cmd =
        bench->add_subcommand("fr", "ns per Fr multiplication: cpu, avx512 IFMA, fastest GMP (ratio avx512/cpu)");
    cmd->add_option("--muls", o.muls, "Multiplications per measurement (default 2e7)");
    cmd->add_option("--repeat", o.repeat, "Measurements of each, best kept (default 3)");
    cmd->callback(run_fr);
}

} // namespace dmc::cli::bench
