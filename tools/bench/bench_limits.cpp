// SPDX-License-Identifier: Apache-2.0
#include "bench_limits.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace dmc::cli::bench {

namespace {

// "lanes16+sha_ni_x4", "lanes8_replay", "sha_ni_x3": a sha256_throughput configuration.
std::string config_name(const ShaConfig &c)
{
    if (c.lanes == 0) return "sha_ni_x" + std::to_string(c.streams);
    return "lanes" + std::to_string(c.lanes) + (c.streams ? "+sha_ni_x" + std::to_string(c.streams) : std::string()) +
           (c.replay ? "_replay" : "");
}

// ns per chain compression when `chains` chains run in configuration c:
// the SHA-NI streams take what they can, the lanes the rest.
std::optional<double> ns_per_chain(const ShaConfig &c, double ns, unsigned chains)
{
    if (chains == 0 || c.streams > chains || chains - c.streams > c.lanes) return std::nullopt;
    if (c.lanes > 0 && chains == c.streams) return std::nullopt; // the lanes would idle: (0, streams) covers it
    return ns * double(c.lanes + c.streams) / double(chains);
}

// The configurations measured: the lanes with up to 6 SHA-NI streams (16
// lanes) or 2 (8 lanes), plain and replaying; SHA-NI streams alone.
std::vector<ShaConfig> throughput_configs()
{
    std::vector<ShaConfig> configs;
    for (bool replay : {false, true}) {
        for (unsigned ni = 0; ni <= 6; ++ni) configs.push_back({16, ni, replay});
        for (unsigned ni = 0; ni <= 2; ++ni) configs.push_back({8, ni, replay});
    }
    for (unsigned ni = 1; ni <= 8; ++ni) configs.push_back({0, ni, false});
    return configs;
}

void keep_best(double ns, const ShaConfig &c, double &best_ns, std::string &basis)
{
    if (ns < best_ns) {
        best_ns = ns;
        basis = config_name(c);
    }
}

// The best per-chain rate among configurations of one kind holding `chains`.
std::optional<std::pair<double, ShaConfig>> best_holding(const ShaLimits &limits, unsigned chains, bool replay)
{
    std::optional<std::pair<double, ShaConfig>> best;
    for (const auto &[config, ns] : limits.configs) {
        if (config.replay != replay) continue;
        const auto per_chain = ns_per_chain(config, ns, chains);
        if (per_chain && (!best || *per_chain < best->first)) best = std::make_pair(*per_chain, config);
    }
    return best;
}

// "RxNAME" of a label's share, e.g. "13_replayed_in_lanes16+sha_ni_x6_replay".
std::string share_name(double count, const std::string &what, const std::string &config)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.4g", count);
    return std::string(text) + "_" + what + "_in_" + config;
}

} // namespace

double ShaLimits::label_ns(double replayed) const
{
    return (20.0 - replayed) * multi_best_ns + replayed * std::min(multi_best_ns, replay_best_ns);
}

std::string ShaLimits::label_basis(double replayed) const
{
    const std::string replay_config = replay_best_ns < multi_best_ns ? replay_basis : multi_basis;
    return share_name(20.0 - replayed, "plain", multi_basis) + "+" + share_name(replayed, "replayed", replay_config);
}

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
    static const std::vector<ShaConfig> kConfigs = throughput_configs();
    for (int r = 0; r < repeats; ++r) {
        for (const ShaConfig &c : kConfigs) {
            const auto ns = kernels->ns_per_op("sha256_throughput", kBlocks, {c.lanes, c.streams, c.replay, 0});
            if (!ns || *ns <= 0) continue;
            if (c == ShaConfig{16, 0, false}) limits.lanes16_ns = std::min(limits.lanes16_ns, *ns);
            const auto seen = limits.configs.find(c);
            limits.configs[c] = seen == limits.configs.end() ? *ns : std::min(seen->second, *ns);
            if (c.replay)
                keep_best(*ns, c, limits.replay_best_ns, limits.replay_basis);
            else
                keep_best(*ns, c, limits.multi_best_ns, limits.multi_basis);
        }
    }
}

SplitLimit pc1_split_limit(const ShaLimits &limits, uint32_t sectors, uint32_t threads, double replayed)
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
        const auto plain = best_holding(limits, chains, false);
        if (!plain) continue;
        auto replay = best_holding(limits, chains, true);
        if (!replay || replay->first > plain->first) replay = plain;
        const double label = (20.0 - replayed) * plain->first + replayed * replay->first;
        const double speedup = (double(sectors) / threads) * 19.0 * chain / (chains * label);
        if (speedup > best.per_core_speedup) {
            best.per_core_speedup = speedup;
            best.basis = std::to_string(used) + "_thread(s)_x_" + std::to_string(chains) +
                         "_chains:" + share_name(20.0 - replayed, "plain", config_name(plain->second)) + "+" +
                         share_name(replayed, "replayed", config_name(replay->second));
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
    return double(pc1_labels(proof)) * limits.label_ns(pc1_replayed_per_label(proof)) * 1e-9;
}

std::string pc1_batch_basis(const SealProof &proof, const ShaLimits &limits)
{
    return limits.has_throughput() ? limits.label_basis(pc1_replayed_per_label(proof)) + "_per_label"
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
