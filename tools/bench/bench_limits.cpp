// SPDX-License-Identifier: Apache-2.0
#include "bench_limits.hpp"

#include <algorithm>

namespace dmc::cli::bench {

namespace {

// "lanes16+sha_ni_x4", "lanes8", "sha_ni_x3": a sha256_throughput configuration.
std::string config_name(unsigned lanes, unsigned streams)
{
    if (lanes == 0) return "sha_ni_x" + std::to_string(streams);
    return "lanes" + std::to_string(lanes) + (streams ? "+sha_ni_x" + std::to_string(streams) : std::string());
}

// ns per chain compression when `chains` chains run in (lanes, streams):
// the SHA-NI streams take what they can, the lanes the rest.
std::optional<double> ns_per_chain(unsigned lanes, unsigned streams, double ns, unsigned chains)
{
    if (chains == 0 || streams > chains || chains - streams > lanes) return std::nullopt;
    if (lanes > 0 && chains == streams) return std::nullopt; // the lanes would idle: (0, streams) covers it
    return ns * double(lanes + streams) / double(chains);
}

} // namespace

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
            const auto key = std::make_pair(unsigned(c.lanes), unsigned(c.ni));
            const auto seen = limits.configs.find(key);
            limits.configs[key] = seen == limits.configs.end() ? *ns : std::min(seen->second, *ns);
            if (*ns < limits.multi_best_ns) {
                limits.multi_best_ns = *ns;
                limits.multi_basis = config_name(unsigned(c.lanes), unsigned(c.ni));
            }
        }
    }
}

SplitLimit pc1_split_limit(const ShaLimits &limits, uint32_t sectors, uint32_t threads)
{
    SplitLimit best;
    const double chain = limits.chain_ns();
    threads = std::max(1u, threads);
    for (uint32_t used = 1; used <= std::min(threads, std::max(1u, sectors)); ++used) {
        const unsigned chains = (sectors + used - 1) / used;
        if (chains == 1) {
            // One chain per thread is the single-stream bound itself (19
            // chained compressions per label): speed-up 1 per busy thread.
            const double speedup = double(sectors) / threads;
            if (speedup > best.per_core_speedup) {
                best.per_core_speedup = speedup;
                best.basis = std::to_string(used) + "_thread(s)_x_1_chain_single_stream";
            }
            continue;
        }
        for (const auto &[key, ns] : limits.configs) {
            const auto per_chain = ns_per_chain(key.first, key.second, ns, chains);
            if (!per_chain) continue;
            const double speedup = (double(sectors) / threads) * 19.0 * chain / (20.0 * chains * *per_chain);
            if (speedup > best.per_core_speedup) {
                best.per_core_speedup = speedup;
                best.basis = std::to_string(used) + "_thread(s)_x_" + std::to_string(chains) + "_chains_in_" +
                             config_name(key.first, key.second);
            }
        }
    }
    return best;
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
