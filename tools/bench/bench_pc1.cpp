// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run bench pc1 [--proof P] [--sectors K] [--threads T]`: one call
// of the selected pc1 stage (default: the highest-priority plugin; --plugin
// pc1=cpu to compare) on K sectors with T threads, against limits measured
// in this run.
//
// The limits, each measured in-process before and after the run (the best
// of the two is kept: the strictest limit):
//  * the single-stream chain: one SHA-256 compression in a dependent chain
//    (the faster of OpenSSL's block function and the avx512 kernel's). A
//    label is 20 compressions but its prefix block depends on no label, so
//    one sector's PC1 is bounded by nodes·layers·19 chained compressions:
//    the single-stream bound (bound_s), single_stream_bound_sectors_per_hour.
//  * the throughput of one core: the best of the avx512 plugin's engines
//    over independent messages (16 or 8 AVX-512 lanes, SHA-NI with 1..8
//    interleaved streams, lanes with SHA-NI streams interleaved), per
//    compression, plain and with kept schedules replayed (multi_best_ns,
//    replay_best_ns: the best of each). Of a label's 20 compressions,
//    replayed_per_label (R: 13 at 2 layers) repeat an earlier block of the
//    label, whose schedule can be replayed (docs/algorithms.md §7.2); the
//    label time is the cheapest mix of the measured configurations that
//    does 20 − R plain and R repeated compressions (engine_mix.hpp; the
//    configurations and their calls per label in limit_basis).
// Reported:
//   per_core_speedup = (sectors/hour ÷ T) ÷ single-stream bound sectors/hour
//   limit_per_core_speedup = (19 · chain ns) ÷ label ns
//   ratio = per_core_speedup ÷ limit_per_core_speedup
// limit_per_core_speedup needs as many chains per core as its best
// configurations hold (21 for 16 lanes + 5 SHA-NI streams); a call with
// fewer sectors per thread cannot reach it, so the bench also prints
// limit_split_per_core_speedup: the best configuration that holds this
// call's sectors per thread (pc1_split_limit in bench_limits.hpp) and
// ratio_split = per_core_speedup ÷ that.
// With --measure-single, one sector on one thread is also run (same proof,
// after the batch) and per_core_speedup_vs_measured_single is printed.
// On a machine shared with other work the wall clock includes the time the
// threads waited for a core; per_core_speedup_cpu counts the process's CPU
// time instead (all its threads, the writer threads included):
//   per_core_speedup_cpu = sectors · bound_s ÷ cpu_s, ratio_cpu likewise.
// Peak anonymous RSS of the call is sampled and printed per sector in
// sector sizes (anon_rss_peak_per_sector).
#include <algorithm>
#include <cstring>
#include <thread>

#include "bench_limits.hpp"
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
    bool measure_single = false;
    EngineCliOptions engine;
};

Pc1Options &pc1_options()
{
    static Pc1Options o;
    return o;
}

// The limits are the best of many short timings (a few ms each, about a
// scheduler time slice): on a machine shared with other work, some of them
// run undisturbed, and a disturbed one only makes a limit looser.
constexpr int kLimitRepeats = 24;

struct Pc1Call {
    std::vector<std::string> dirs;
    std::vector<dmc_pc1_sector> sectors;
};

// Runs the stage on `count` sectors (replica ids from `seed`) in `root`.
double run_stage_call(const core::StageHandle &stage, const SealProof &proof, const std::string &parent_cache,
                      const std::string &root, uint32_t count, uint32_t threads, uint64_t seed, double *cpu_seconds,
                      uint64_t *peak_anon)
{
    Pc1Call c;
    c.sectors.resize(count);
    for (uint32_t i = 0; i < count; ++i) c.dirs.push_back(root + "/s" + std::to_string(i));
    for (uint32_t i = 0; i < count; ++i) {
        c.sectors[i].struct_size = sizeof(dmc_pc1_sector);
        c.sectors[i].first_layer = 1;
        fill_canonical(c.sectors[i].replica_id, seed + i);
        c.sectors[i].cache_dir = c.dirs[i].c_str();
    }
    dmc_pc1_args args{};
    args.struct_size = sizeof args;
    args.num_sectors = count;
    args.registered_proof = proof.id;
    args.parent_cache_path = parent_cache.c_str();
    args.sectors = c.sectors.data();
    char error[1024] = {};
    dmc_call call{};
    call.struct_size = sizeof call;
    call.threads = threads;
    call.numa_node = -1;
    call.error = error;
    call.error_size = sizeof error;
    AnonRssSampler rss;
    Stopwatch watch;
    const dmc_status status = stage.ops<dmc_pc1_ops>()->run(&call, &args);
    const double seconds = watch.wall_seconds();
    if (cpu_seconds) *cpu_seconds = watch.user_seconds() + watch.system_seconds();
    if (peak_anon) *peak_anon = rss.peak_bytes() - rss.baseline_bytes();
    if (status != DMC_OK) fail(std::string("pc1 failed: ") + error);
    return seconds;
}

// The pc1 stage the bench calls; refuses more sectors than it takes.
core::StageHandle pc1_stage(const core::PluginRegistry &registry, const core::EngineOptions &engine, uint32_t sectors)
{
    const core::StageHandle stage = must(registry.select(DMC_STAGE_PC1, engine.plugin_overrides));
    if (sectors > stage.max_sectors())
        fail_usage("pc1 plugin " + stage.plugin_name() + " takes at most " + std::to_string(stage.max_sectors()) +
                   " sectors per call; --sectors " + std::to_string(sectors));
    return stage;
}

// The avx512 plugin's plan for the call ("lanes16[16]"), "n/a" for others.
std::string pc1_plan(const core::StageHandle &stage, const std::optional<PluginKernels> &kernels, uint32_t sectors,
                     uint32_t threads)
{
    std::string plan = "n/a";
    if (stage.plugin_name() == "avx512" && kernels) {
        if (auto text = kernels->text("pc1_plan", {sectors, threads, 0, 0})) plan = *text;
        for (char &ch : plan)
            if (ch == ' ') ch = '_';
    }
    return plan;
}

struct Pc1Run {
    const SealProof *proof;
    std::string plugin, plan;
    uint32_t sectors, threads;
    double seconds = 0, cpu = 0, single_seconds = 0, load_before = 0, load_after = 0;
    uint64_t peak_anon = 0;
    bool measured_single = false; // --measure-single
};

// The ratios against the throughput limits (absent without AVX-512).
void add_pc1_limits(ResultLine &line, const Pc1Run &run, const ShaLimits &limits, double per_core, double bound)
{
    if (!limits.has_throughput()) {
        line.add("ratio", per_core).add("ratio_basis", "per_core_speedup(no_throughput_limit:avx512_unavailable)");
        return;
    }
    const double replayed = pc1_replayed_per_label(*run.proof);
    const EngineMix label = limits.label_mix(replayed);
    const double limit = (19.0 * limits.chain_ns()) / label.ns;
    line.add("multi_best_ns", limits.multi_best_ns).add("replay_best_ns", limits.replay_best_ns);
    line.add("lanes16_ns", limits.lanes16_ns).add("replayed_per_label", replayed, 2);
    line.add("limit_per_core_speedup", limit).add("limit_basis", label.basis + "_calls_per_label_vs_chain_19");
    line.add("ratio", per_core / limit).add("ratio_basis", "per_core_speedup/limit_per_core_speedup");
    const SplitLimit split = pc1_split_limit(limits, run.sectors, run.threads, replayed);
    if (split.per_core_speedup > 0)
        line.add("limit_split_per_core_speedup", split.per_core_speedup)
            .add("limit_split_basis", split.basis)
            .add("ratio_split", per_core / split.per_core_speedup);
    line.add("per_core_speedup_cpu", run.sectors * bound / run.cpu)
        .add("ratio_cpu", run.sectors * bound / run.cpu / limit);
    line.add("cpu_basis", "process_cpu_seconds_all_threads");
}

void print_pc1_line(const Pc1Run &run, const ShaLimits &limits, double openssl_speed_ns)
{
    const double chain_ns = limits.chain_ns();
    const double bound = pc1_single_stream_bound_s(*run.proof, limits); // one sector, one chain
    const double rss_per_sector = double(run.peak_anon) / run.sectors / double(run.proof->sector_size);
    const double sph = run.sectors * 3600.0 / run.seconds, bound_sph = 3600.0 / bound;
    const double per_core = sph / run.threads / bound_sph;

    ResultLine line("pc1");
    line.add("proof", run.proof->name).add("plugin", run.plugin).add("sectors", run.sectors, 0);
    line.add("threads", run.threads, 0)
        .add("plan", run.plan)
        .add("sha_block_ns", chain_ns)
        .add("openssl_inprocess_ns", limits.openssl_ns);
    if (limits.kernel_ns < 1e29) line.add("avx512_kernel_ns", limits.kernel_ns);
    if (openssl_speed_ns > 0) line.add("openssl_speed_ns", openssl_speed_ns);
    line.add("bound_s", bound).add("seconds", run.seconds).add("cpu_s", run.cpu);
    line.add("sectors_per_hour", sph, 1).add("single_stream_bound_sectors_per_hour", bound_sph, 1);
    line.add("per_core_speedup", per_core).add("per_core_speedup_basis", "sha_ni_single_stream_bound_19_per_label");
    if (run.measured_single)
        line.add("single_seconds", run.single_seconds)
            .add("per_core_speedup_vs_measured_single", sph / run.threads / (3600.0 / run.single_seconds))
            .add("per_core_speedup_vs_measured_single_basis", "one_sector_one_thread_this_run");
    add_pc1_limits(line, run, limits, per_core, bound);
    line.add("anon_rss_peak_per_sector", rss_per_sector);
    line.add("load1_before", run.load_before, 2).add("load1_after", run.load_after, 2).print();
}

void run_pc1()
{
    auto &o = pc1_options();
    const SealProof *proof = must(find_seal_proof(o.proof));
    if (o.sectors < 1) fail_usage("--sectors must be at least 1");
    const core::EngineOptions engine = engine_options(o.engine);
    const auto &registry = context().registry();
    const core::StageHandle stage = pc1_stage(registry, engine, o.sectors);
    ParentCacheOptions cache_options;
    cache_options.dir = engine.parent_cache_dir;
    std::printf("parent cache for %s (generated on first use) ...\n", proof->name);
    std::fflush(stdout);
    const std::string parent_cache = must(ensure_parent_cache(*proof, cache_options));
    const auto kernels = PluginKernels::of(registry, "avx512");
    Pc1Run run{proof, stage.plugin_name(), "", o.sectors, std::max(1u, o.threads)};

    ShaLimits limits;
    measure_sha_chain(kernels, kLimitRepeats, limits);
    measure_sha_throughput(kernels, kLimitRepeats / 2, limits);
    // After the limits: the plugin times its engines once, on a warm core.
    run.plan = pc1_plan(stage, kernels, run.sectors, run.threads);

    ScratchDir scratch(o.work.empty() ? default_scratch_parent() : o.work, "pc1", o.keep);
    std::printf("pc1: %s, %u sector(s), %u thread(s), plugin %s, plan %s ...\n", proof->name, run.sectors, run.threads,
                run.plugin.c_str(), run.plan.c_str());
    std::fflush(stdout);
    run.load_before = load_average();
    run.seconds = run_stage_call(stage, *proof, parent_cache, scratch.path() + "/batch", run.sectors, run.threads, 1000,
                                 &run.cpu, &run.peak_anon);
    run.load_after = load_average();
    run.measured_single = o.measure_single;
    if (o.measure_single) {
        std::printf("pc1: one sector on one thread, for reference ...\n");
        std::fflush(stdout);
        run.single_seconds =
            run_stage_call(stage, *proof, parent_cache, scratch.path() + "/single", 1, 1, 5000, nullptr, nullptr);
    }

    // The limits again after the run; the faster measurement is the stricter limit.
    measure_sha_chain(kernels, kLimitRepeats, limits);
    measure_sha_throughput(kernels, kLimitRepeats / 2, limits);
    const double speed_ns = o.openssl_speed ? openssl_speed_block_ns().value_or(0.0) : 0.0;
    print_pc1_line(run, limits, speed_ns);
}

} // namespace

void add_pc1_bench(CLI::App *bench)
{
    auto &o = pc1_options();
    auto *cmd = bench->add_subcommand("pc1", "PC1 per-core speed-up against single-stream and throughput limits "
                                             "measured in this run");
    cmd->add_option("--proof", o.proof, "RegisteredSealProof (default StackedDrg512MiBV1_1)");
    cmd->add_option("--sectors", o.sectors, "Sectors in one pc1 call (fused vertex), default 1");
    cmd->add_option("--threads", o.threads, "call->threads given to the stage, default 1");
    cmd->add_option("--work", o.work, "Directory for the layer files (default $TMPDIR or /var/tmp)");
    cmd->add_flag("--keep", o.keep, "Keep the layer files");
    cmd->add_flag("--measure-single", o.measure_single,
                  "Also run one sector on one thread and compare with it (per_core_speedup_vs_measured_single)");
    cmd->add_flag("!--no-openssl-speed", o.openssl_speed, "Skip the `openssl speed` reference");
    add_engine_options(cmd, o.engine);
    cmd->callback(run_pc1);
}

} // namespace dmc::cli::bench
