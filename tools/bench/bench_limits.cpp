// SPDX-License-Identifier: Apache-2.0
#include "bench_limits.hpp"

#include <algorithm>

namespace dmc::cli::bench {

void measure_sha_chain(const std::optional<PluginKernels> &kernels, int repeats, ShaLimits &limits)
{
    constexpr uint64_t kBlocks = 1u << 16;
    for (int r = 0; r < repeats; ++r) {
        limits.openssl_ns = std::min(limits.openssl_ns, openssl_sha_block_ns(kBlocks));
        if (!kernels) continue;
        if (auto ns = kernels->ns_per_op("sha256_chain", kBlocks)) limits.kernel_ns = std::min(limits.kernel_ns, *ns);
    }
}

void measure_sha_throughput(const std::optional<PluginKernels> &kernels, int repeats, ShaLimits &limits)
{
    if (!kernels || !kernels->has("sha256_throughput")) return;
    constexpr uint64_t kBlocks = 1u << 15;
    struct Config {
        uint64_t lanes, ni;
    };
    static const Config kConfigs[] = {{16, 0}, {16, 1}, {16, 2}, {16, 3}, {16, 4}, {8, 0}, {8, 1}, {8, 2},
                                      {0, 1},  {0, 2},  {0, 3},  {0, 4},  {0, 5},  {0, 6}, {0, 7}, {0, 8}};
    for (int r = 0; r < repeats; ++r) {
        for (const Config &c : kConfigs) {
            const auto ns = kernels->ns_per_op("sha256_throughput", kBlocks, {c.lanes, c.ni, 0, 0});
            if (!ns || *ns <= 0) continue;
            if (c.lanes == 16 && c.ni == 0) limits.lanes16_ns = std::min(limits.lanes16_ns, *ns);
            if (*ns < limits.multi_best_ns) {
                limits.multi_best_ns = *ns;
                limits.multi_basis = c.lanes == 0 ? "sha_ni_x" + std::to_string(c.ni)
                                                  : "lanes" + std::to_string(c.lanes) +
                                                        (c.ni ? "+sha_ni_x" + std::to_string(c.ni) : std::string());
            }
        }
    }
}

double pc1_single_stream_bound_s(const SealProof &proof, const ShaLimits &limits)
{
    return double(pc1_chain_compressions(proof)) * limits.chain_ns() * 1e-9;
}

double pc1_batch_bound_s(const SealProof &proof, const ShaLimits &limits)
{
    if (!limits.has_throughput()) return pc1_single_stream_bound_s(proof, limits);
    return double(pc1_compressions(proof)) * limits.multi_best_ns * 1e-9;
}

std::string pc1_batch_basis(const ShaLimits &limits)
{
    return limits.has_throughput() ? limits.multi_basis + "_20_per_label"
                                   : "single_stream_19_per_label(no_throughput_kernel)";
}

void measure_fr_rates(const core::PluginRegistry &registry, const std::string &plugin, FrRates &rates)
{
    constexpr uint64_t kMuls = 20'000'000;
    const auto kernels = PluginKernels::of(registry, plugin);
    for (int r = 0; r < 2; ++r) {
        std::optional<double> mul;
        if (kernels) mul = kernels->ns_per_op("fr_mul", kMuls);
        if (mul) {
            rates.mul_ns = std::min(rates.mul_ns, *mul);
            rates.mul_source = plugin + ":fr_mul";
        } else {
            rates.mul_ns = std::min(rates.mul_ns, sdk_fr_mul_ns(kMuls));
            rates.mul_source = "sdk";
        }
        if (!kernels) continue;
        if (auto madd = kernels->ns_per_op("madd52", 8 * kMuls)) rates.madd52_ns = std::min(rates.madd52_ns, *madd);
    }
}

double full_mul_bound_s(const PoseidonWork &work, const FrRates &rates)
{
    return double(work.full_muls) * rates.mul_ns * 1e-9;
}

double ifma_floor_s(const PoseidonWork &work, const FrRates &rates)
{
    double ns = double(work.sbox_muls) * rates.mul_ns;
    if (rates.has_madd52()) ns += double(work.mds_rows) * kRedcMadd52 * rates.madd52_ns;
    return ns * 1e-9;
}

std::string ifma_floor_basis(const FrRates &rates)
{
    return rates.has_madd52() ? "sbox_muls_x_mul_ns+mds_rows_x_" + std::to_string(kRedcMadd52) + "_madd52_ns"
                              : "sbox_muls_x_mul_ns(no_madd52_kernel)";
}

} // namespace dmc::cli::bench
