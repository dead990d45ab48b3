// SPDX-License-Identifier: Apache-2.0
#include "bench_limits.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

namespace dmc::cli::bench {

namespace {

// "lanes16+sha_ni_x4", "lanes16+sha_ni_x5_lanes_replay", "sha_ni_x3_replay":
// a sha256_throughput configuration.
std::string config_name(const ShaConfig &config)
{
    const char *mode = config.mode == ShaMode::plain          ? ""
                       : config.mode == ShaMode::lanes_replay ? "_lanes_replay"
                                                              : "_replay";
    if (config.lanes == 0) return "sha_ni_x" + std::to_string(config.streams) + mode;
    return "lanes" + std::to_string(config.lanes) +
           (config.streams ? "+sha_ni_x" + std::to_string(config.streams) : std::string()) + mode;
}

// The configurations measured: the lanes with up to 6 SHA-NI streams (16
// lanes) or 2 (8 lanes), and SHA-NI streams alone, each plain and replaying
// (lanes alone, or lanes and streams).
std::vector<ShaConfig> throughput_configs()
{
    std::vector<ShaConfig> configs;
    for (unsigned lanes : {16u, 8u})
        for (unsigned ni = 0; ni <= (lanes == 16 ? 6u : 2u); ++ni) {
            configs.push_back({lanes, ni, ShaMode::plain});
            if (ni > 0) configs.push_back({lanes, ni, ShaMode::lanes_replay});
            configs.push_back({lanes, ni, ShaMode::all_replay});
        }
    for (unsigned ni = 1; ni <= 8; ++ni) {
        configs.push_back({0, ni, ShaMode::plain});
        configs.push_back({0, ni, ShaMode::all_replay});
    }
    return configs;
}

void keep_best(double ns, const ShaConfig &config, double &best_ns, std::string &basis)
{
    if (ns < best_ns) {
        best_ns = ns;
        basis = config_name(config);
    }
}

// One call of `config` with `chains` of its lanes + streams busy (all of
// them when chains is 0): what it compresses and what it costs. nullopt
// when it cannot hold that many chains (or its lanes would idle: the
// streams alone cover that).
std::optional<EngineCall> engine_call(const ShaConfig &config, double ns, unsigned chains)
{
    const unsigned width = config.lanes + config.streams;
    if (chains == 0) chains = width;
    if (config.streams > chains || chains - config.streams > config.lanes) return std::nullopt;
    if (config.lanes > 0 && chains == config.streams) return std::nullopt;
    EngineCall call{config_name(config), ns * width, 0, 0};
    const double lane_chains = chains - config.streams;
    switch (config.mode) {
    case ShaMode::plain: call.plain = chains; break;
    case ShaMode::lanes_replay:
        call.plain = config.streams;
        call.replayed = lane_chains;
        break;
    case ShaMode::all_replay: call.replayed = chains; break;
    }
    return call;
}

std::vector<EngineCall> engine_calls(const ShaLimits &limits, unsigned chains)
{
    std::vector<EngineCall> calls;
    for (const auto &[config, ns] : limits.configs)
        if (auto call = engine_call(config, ns, chains)) calls.push_back(*call);
    return calls;
}

} // namespace

EngineMix ShaLimits::label_mix(double replayed) const
{
    const auto mix = cheapest_mix(engine_calls(*this, 0), 20.0 - replayed, replayed);
    return mix ? *mix : EngineMix{20.0 * multi_best_ns, "none"};
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
        for (const ShaConfig &config : kConfigs) {
            const auto ns = kernels->ns_per_op("sha256_throughput", kBlocks,
                                               {config.lanes, config.streams, static_cast<uint64_t>(config.mode), 0});
            if (!ns || *ns <= 0) continue;
            if (config == ShaConfig{16, 0, ShaMode::plain}) limits.lanes16_ns = std::min(limits.lanes16_ns, *ns);
            const auto seen = limits.configs.find(config);
            limits.configs[config] = seen == limits.configs.end() ? *ns : std::min(seen->second, *ns);
            if (config.mode == ShaMode::plain)
                keep_best(*ns, config, limits.multi_best_ns, limits.multi_basis);
            else
                keep_best(*ns, config, limits.replay_best_ns, limits.replay_basis);
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
        const auto mix = cheapest_mix(engine_calls(limits, chains), chains * (20.0 - replayed), chains * replayed);
        if (!mix) continue;
        const double speedup = (double(sectors) / threads) * 19.0 * chain / mix->ns;
        if (speedup > best.per_core_speedup) {
            best.per_core_speedup = speedup;
            best.basis = std::to_string(used) + "_thread(s)_x_" + std::to_string(chains) + "_chains:" + mix->basis;
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
    return double(pc1_labels(proof)) * limits.label_mix(pc1_replayed_per_label(proof)).ns * 1e-9;
}

std::string pc1_batch_basis(const SealProof &proof, const ShaLimits &limits)
{
    return limits.has_throughput() ? limits.label_mix(pc1_replayed_per_label(proof)).basis + "_calls_per_label"
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
