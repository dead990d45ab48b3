// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run bench pc1 [--proof P] [--sectors K] [--threads T]`: one call
// of the selected pc1 stage (default: the highest-priority plugin; --plugin
// pc1=cpu to compare) on K sectors, against the SHA-NI limit measured in
// this run.
//
// The limit: a label is 20 SHA-256 compressions, 19 of them a dependent
// chain, so one sector's PC1 is bounded by nodes·layers·20 compressions at
// the single-stream rate. That rate is measured in-process before and after
// the run, with OpenSSL's block function and with the avx512 kernel's; the
// fastest (the strictest limit) is used. `openssl speed` is printed too.
//   K = 1: ratio = seconds / bound.
//   K > 1: throughput in sectors/hour against 2 x the single-stream bound
//          (two chains in flight per core is what the SHA unit's latency and
//          throughput allow): ratio = (2 · bound sectors/hour) / measured
//          sectors/hour; speedup = measured / single-stream bound (the
//          issue's target is >= 1.6 on one core, i.e. ratio <= 1.25).
// Peak anonymous RSS is sampled and printed per sector in sector sizes.
#include <algorithm>
#include <cstring>
#include <thread>

#include "bench_support.hpp"
#include "cli_common.hpp"
#include "damocles/sdk/parent_cache.hpp"
#include "engine_setup.hpp"

namespace dmc::cli::bench {

namespace {

struct Pc1Options {
    std::string proof = "StackedDrg512MiBV1_1";
    uint32_t sectors = 1;
    uint32_t threads = 1;
    std::string work;
    bool keep = false;
    bool openssl_speed = true;
    EngineCliOptions engine;
};

Pc1Options &pc1_options()
{
    static Pc1Options o;
    return o;
}

// Strictest single-stream compression time: the faster of OpenSSL's and the
// avx512 kernel's, each the best of two short runs.
double sha_limit_ns(const std::optional<Avx512Kernels> &kernels, double &openssl_ns, double &kernel_ns)
{
    constexpr uint64_t kBlocks = 1u << 23;
    for (int r = 0; r < 2; ++r) {
        openssl_ns = std::min(openssl_ns, openssl_sha_block_ns(kBlocks));
        if (kernels) kernel_ns = std::min(kernel_ns, kernels->sha_block_ns(kBlocks));
    }
    return std::min(openssl_ns, kernel_ns);
}

void run_pc1()
{
    auto &o = pc1_options();
    const SealProof *proof = must(find_seal_proof(o.proof));
    if (o.sectors < 1) fail_usage("--sectors must be at least 1");
    const core::EngineOptions engine = engine_options(o.engine);
    const auto &registry = context().registry();
    const core::StageHandle stage = must(registry.select(DMC_STAGE_PC1, engine.plugin_overrides));
    if (o.sectors > stage.max_sectors())
        fail_usage("pc1 plugin " + stage.plugin_name() + " takes at most " + std::to_string(stage.max_sectors()) +
                   " sectors per call; --sectors " + std::to_string(o.sectors));
    ParentCacheOptions cache_options;
    cache_options.dir = engine.parent_cache_dir;
    std::printf("parent cache for %s (generated on first use) ...\n", proof->name);
    std::fflush(stdout);
    const std::string parent_cache = must(ensure_parent_cache(*proof, cache_options));
    const auto kernels = avx512_kernels(registry);

    double openssl_ns = 1e30, kernel_ns = 1e30;
    sha_limit_ns(kernels, openssl_ns, kernel_ns);

    ScratchDir scratch(o.work.empty() ? default_scratch_parent() : o.work, "pc1", o.keep);
    std::vector<std::string> dirs;
    std::vector<dmc_pc1_sector> sectors(o.sectors);
    for (uint32_t i = 0; i < o.sectors; ++i) dirs.push_back(scratch.path() + "/s" + std::to_string(i));
    for (uint32_t i = 0; i < o.sectors; ++i) {
        sectors[i].struct_size = sizeof(dmc_pc1_sector);
        sectors[i].first_layer = 1;
        fill_canonical(sectors[i].replica_id, 1000 + i);
        sectors[i].cache_dir = dirs[i].c_str();
    }
    dmc_pc1_args args{};
    args.struct_size = sizeof args;
    args.num_sectors = o.sectors;
    args.registered_proof = proof->id;
    args.parent_cache_path = parent_cache.c_str();
    args.sectors = sectors.data();
    char error[1024] = {};
    dmc_call call{};
    call.struct_size = sizeof call;
    call.threads = std::max(1u, o.threads);
    call.numa_node = -1;
    call.error = error;
    call.error_size = sizeof error;

    std::printf("pc1: %s, %u sector(s), %u thread(s), plugin %s ...\n", proof->name, o.sectors, call.threads,
                stage.plugin_name().c_str());
    std::fflush(stdout);
    const double load_before = load_average();
    AnonRssSampler rss;
    Stopwatch watch;
    const dmc_status status = stage.ops<dmc_pc1_ops>()->run(&call, &args);
    const double seconds = watch.wall_seconds(), user = watch.user_seconds();
    const uint64_t peak_anon = rss.peak_bytes() - rss.baseline_bytes();
    const double load_after = load_average();
    if (status != DMC_OK) fail(std::string("pc1 failed: ") + error);

    const double limit_ns = sha_limit_ns(kernels, openssl_ns, kernel_ns);
    const double speed_ns = o.openssl_speed ? openssl_speed_block_ns().value_or(0.0) : 0.0;
    const double compressions = double(pc1_compressions(*proof));
    const double bound = compressions * limit_ns * 1e-9; // one sector, one chain
    const double rss_per_sector = double(peak_anon) / o.sectors / double(proof->sector_size);

    ResultLine line("pc1");
    line.add("proof", proof->name).add("plugin", stage.plugin_name()).add("sectors", o.sectors, 0);
    line.add("threads", call.threads, 0).add("sha_block_ns", limit_ns).add("openssl_inprocess_ns", openssl_ns);
    if (kernels) line.add("avx512_kernel_ns", kernel_ns);
    if (speed_ns > 0) line.add("openssl_speed_ns", speed_ns).add("openssl_speed_bound_s", compressions * speed_ns * 1e-9);
    line.add("bound_s", bound).add("user_s", user).add("anon_rss_peak_per_sector", rss_per_sector);
    if (o.sectors == 1) {
        line.add("seconds", seconds).add("ratio", seconds / bound).add("ratio_user", user / bound);
    } else {
        const double sph = o.sectors * 3600.0 / seconds, bound_sph = 3600.0 / bound;
        line.add("sectors_per_hour", sph, 1).add("single_bound_sectors_per_hour", bound_sph, 1);
        line.add("speedup", sph / bound_sph).add("speedup_per_thread", sph / bound_sph / call.threads);
        line.add("seconds", seconds).add("ratio", 2.0 * bound_sph / sph).add("ratio_basis", "2x_single_stream_bound");
    }
    line.add("load1_before", load_before, 2).add("load1_after", load_after, 2).print();
}

} // namespace

void add_pc1_bench(CLI::App *bench)
{
    auto &o = pc1_options();
    auto *cmd = bench->add_subcommand("pc1", "PC1 time against the single-stream SHA-NI bound measured in this run");
    cmd->add_option("--proof", o.proof, "RegisteredSealProof (default StackedDrg512MiBV1_1)");
    cmd->add_option("--sectors", o.sectors, "Sectors in one pc1 call (fused vertex), default 1");
    cmd->add_option("--threads", o.threads, "call->threads given to the stage, default 1");
    cmd->add_option("--work", o.work, "Directory for the layer files (default $TMPDIR or /var/tmp)");
    cmd->add_flag("--keep", o.keep, "Keep the layer files");
    cmd->add_flag("!--no-openssl-speed", o.openssl_speed, "Skip the `openssl speed` reference");
    add_engine_options(cmd, o.engine);
    cmd->callback(run_pc1);
}

} // namespace dmc::cli::bench
