// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run bench rebuild [--sectors K] [--size S | --proof P]`: K CC
// sectors (512MiB by default) rebuilt end to end through the engine as one
// batch (run_jobs: add_pieces, tree_d, PC1 fused into multi-sector calls,
// tree_c + tree_r_last, comm_r_check, check_sealed, persist), with the
// plugins the engine selects (--plugin stage=name to override), against a
// bound measured in this run (bench_limits.hpp), in core-seconds per sector:
//   PC1 batch bound  nodes·layers·20 compressions at the best per-core
//                    throughput of the pc1 plugin's SHA engines (as
//                    `bench pc1`'s limit);
//   PC2 bound        the IFMA floor of tree_c + tree_r_last (as `bench
//                    pc2`'s ratio): S-box multiplications + one Montgomery
//                    reduction per matrix row.
//   bound time = K · (PC1 batch bound + PC2 bound) / cores
//   ratio = measured seconds / bound time   (= bound sectors/h per core over
//           measured sectors/h per core)
//   ratio_cpu = process CPU seconds / (K · (PC1 batch bound + PC2 bound))
//           (without the time a shared machine kept threads waiting)
// The parent cache is made ready before the clock starts (a rebuild node
// keeps it). Also printed: the old basis (PC1 single stream + PC2
// full_mul_equivalents) as ratio_single_stream_full_mul. With --comm-r
// (one sector) the rebuilt CommR is checked against the given one.
#include <algorithm>
#include <thread>

#include "bench_limits.hpp"
#include "cli_common.hpp"
#include "damocles/core/engine.hpp"
#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/parent_cache.hpp"
#include "engine_setup.hpp"

namespace dmc::cli::bench {

namespace {

struct RebuildOptions {
    std::string proof = "StackedDrg512MiBV1_1";
    std::string size;
    uint32_t sectors = 1;
    std::string comm_r;
    std::string work;
    bool keep = false;
    EngineCliOptions engine;
};

RebuildOptions &rebuild_options()
{
    static RebuildOptions o;
    return o;
}

constexpr int kLimitRepeats = 24;

const SealProof *chosen_proof(const RebuildOptions &o)
{
    if (o.size.empty()) return must(find_seal_proof(o.proof));
    auto bytes = parse_sector_size(o.size);
    if (!bytes) fail_usage("invalid --size '" + o.size + "': use 2KiB, 8MiB, 512MiB, 32GiB or 64GiB");
    auto proof = find_seal_proof("StackedDrg" + sector_size_name(*bytes) + "V1_1");
    if (!proof) fail_usage("no seal proof for --size " + o.size + ": use 2KiB, 8MiB, 512MiB, 32GiB or 64GiB");
    return *proof;
}

// The K jobs of the batch: sector numbers 1..K of miner 1000, distinct tickets.
std::vector<core::SectorJob> make_jobs(const RebuildOptions &o, const SealProof &proof, const std::string &root)
{
    std::vector<core::SectorJob> jobs(o.sectors);
    for (uint32_t i = 0; i < o.sectors; ++i) {
        core::SectorJob &job = jobs[i];
        job.spec = {1000, i + 1, proof.id, core::Plan::cc};
        job.proof = &proof;
        fill_canonical(job.ticket.data(), 77 + i);
        job.work_dir = root + "/" + job.sector_id();
        job.persist = [](core::SectorJob &) -> Status { return {}; }; // the files stay in the scratch dir
    }
    if (!o.comm_r.empty()) {
        if (o.sectors != 1) fail_usage("--comm-r checks one sector: use it with --sectors 1");
        auto decoded = cid_to_commitment(o.comm_r, CommitmentKind::sealed);
        if (!decoded) fail_usage("invalid --comm-r: " + decoded.error().message);
        jobs[0].expected_comm_r = *decoded;
    }
    return jobs;
}

struct Limits {
    ShaLimits sha;
    FrRates fr;
};

void measure_limits(const core::PluginRegistry &registry, const std::string &pc1_plugin,
                    const std::string &tree_c_plugin, Limits &limits)
{
    const auto sha_kernels = PluginKernels::of(registry, pc1_plugin);
    measure_sha_chain(sha_kernels, kLimitRepeats, limits.sha);
    measure_sha_throughput(sha_kernels, kLimitRepeats / 2, limits.sha);
    measure_fr_rates(registry, tree_c_plugin, limits.fr);
}

void run_rebuild()
{
    auto &o = rebuild_options();
    if (o.sectors < 1) fail_usage("--sectors must be at least 1");
    const SealProof *proof = chosen_proof(o);
    const core::EngineOptions engine_opts = engine_options(o.engine);
    const auto &registry = context().registry();
    const core::StageHandle pc1 = must(registry.select(DMC_STAGE_PC1, engine_opts.plugin_overrides));
    const core::StageHandle tree_c = must(registry.select(DMC_STAGE_TREE_C, engine_opts.plugin_overrides));
    ParentCacheOptions cache_options;
    cache_options.dir = engine_opts.parent_cache_dir;
    std::printf("parent cache for %s (generated on first use) ...\n", proof->name);
    std::fflush(stdout);
    must(ensure_parent_cache(*proof, cache_options));

    ScratchDir scratch(o.work.empty() ? default_scratch_parent() : o.work, "rebuild", o.keep);
    std::vector<core::SectorJob> jobs = make_jobs(o, *proof, scratch.path());
    const uint32_t cores =
        engine_opts.budget.cores ? engine_opts.budget.cores : std::max(1u, std::thread::hardware_concurrency());
    Limits limits;
    measure_limits(registry, pc1.plugin_name(), tree_c.plugin_name(), limits);

    std::printf("rebuild: %u x %s CC through the engine (pc1 %s, tree_c %s, %u cores) ...\n", o.sectors, proof->name,
                pc1.plugin_name().c_str(), tree_c.plugin_name().c_str(), cores);
    std::fflush(stdout);
    const double load_before = load_average();
    core::Engine engine(registry, engine_opts);
    Stopwatch watch;
    std::vector<core::SectorJob *> batch;
    for (auto &job : jobs) batch.push_back(&job);
    auto outcomes = must(core::run_jobs(engine, batch));
    const double seconds = watch.wall_seconds(), cpu = watch.user_seconds() + watch.system_seconds();
    const double load_after = load_average();
    if (outcomes.size() != jobs.size())
        fail("rebuild failed: " + std::to_string(outcomes.size()) + " outcomes for " + std::to_string(jobs.size()) +
             " sectors");
    for (const auto &outcome : outcomes)
        if (outcome.outcome != core::SectorOutcome::ok) fail("rebuild failed: " + outcome.error.message);

    measure_limits(registry, pc1.plugin_name(), tree_c.plugin_name(), limits);
    const Pc2Work work = pc2_work(*proof);
    PoseidonWork pc2 = work.tree_c;
    pc2 += work.tree_r_last;
    const double pc1_bound = pc1_batch_bound_s(*proof, limits.sha); // core-seconds per sector
    const double pc2_bound = ifma_floor_s(pc2, limits.fr);
    const double bound_time = o.sectors * (pc1_bound + pc2_bound) / cores;
    const double old_bound_time =
        o.sectors * (pc1_single_stream_bound_s(*proof, limits.sha) + full_mul_bound_s(pc2, limits.fr)) / cores;
    const double sph = o.sectors * 3600.0 / seconds;
    const double bound_sph = o.sectors * 3600.0 / bound_time;
    const Bytes32 comm_r = jobs[0].record.outputs.comm_r.value_or(Bytes32{});

    ResultLine line("rebuild");
    line.add("proof", proof->name).add("sectors", o.sectors, 0).add("pc1_plugin", pc1.plugin_name());
    line.add("tree_c_plugin", tree_c.plugin_name()).add("cores", cores, 0);
    line.add("comm_r_first", commitment_to_cid(comm_r, CommitmentKind::sealed));
    line.add("sha_chain_ns", limits.sha.chain_ns());
    if (limits.sha.has_throughput())
        line.add("sha_multi_best_ns", limits.sha.multi_best_ns).add("sha_replay_best_ns", limits.sha.replay_best_ns);
    line.add("fr_mul_ns", limits.fr.mul_ns);
    if (limits.fr.has_madd52()) line.add("madd52_ns", limits.fr.madd52_ns, 4);
    line.add("pc1_batch_bound_s_per_sector", pc1_bound).add("pc1_basis", pc1_batch_basis(*proof, limits.sha));
    line.add("pc2_floor_s_per_sector", pc2_bound).add("pc2_basis", ifma_floor_basis(limits.fr));
    line.add("cpu_s", cpu).add("sectors_per_hour", sph, 2).add("sectors_per_hour_per_core", sph / cores, 2);
    line.add("bound_sectors_per_hour_per_core", bound_sph / cores, 2).add("bound_s", bound_time);
    line.add("ratio_single_stream_full_mul", seconds / old_bound_time);
    line.add("seconds", seconds).add("ratio", seconds / bound_time);
    // Bounds are divided by `cores` (hardware threads unless --cores is
    // given): on an SMT machine pass --cores <physical cores>.
    line.add("ratio_basis", "seconds/(sectors*(pc1_batch_bound+pc2_ifma_floor)/cores)");
    // On a shared machine the wall clock includes waiting for a core; the
    // process's CPU time (all threads) against the core-seconds of the bound does not.
    line.add("ratio_cpu", cpu / (o.sectors * (pc1_bound + pc2_bound)));
    line.add("cpu_basis", "process_cpu_seconds/(sectors*(pc1_batch_bound+pc2_ifma_floor))");
    line.add("load1_before", load_before, 2).add("load1_after", load_after, 2).print();
}

} // namespace

void add_rebuild_bench(CLI::App *bench)
{
    auto &o = rebuild_options();
    auto *cmd = bench->add_subcommand("rebuild", "CC batch rebuild end to end through the engine against the PC1 batch "
                                                 "bound + PC2 floor per core");
    auto *proof = cmd->add_option("--proof", o.proof, "RegisteredSealProof (default StackedDrg512MiBV1_1)");
    cmd->add_option("--size", o.size, "Sector size instead of --proof: 2KiB, 8MiB, 512MiB (small runs)")
        ->excludes(proof);
    cmd->add_option("--sectors", o.sectors, "CC sectors in the batch, default 1");
    cmd->add_option("--comm-r", o.comm_r, "Registered CommR (CID) the rebuild must reproduce (one sector)");
    cmd->add_option("--work", o.work, "Work directory (default $TMPDIR or /var/tmp)");
    cmd->add_flag("--keep", o.keep, "Keep the rebuilt files");
    add_engine_options(cmd, o.engine);
    cmd->callback(run_rebuild);
}

} // namespace dmc::cli::bench
