// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run bench rebuild [--proof P]`: a CC sector rebuilt end to end
// through the engine (run_jobs: add_pieces, tree_d, pc1, tree_c +
// tree_r_last, comm_r_check, check_sealed, persist), with the plugins the
// engine selects (--plugin stage=name to override), against
//   PC1 bound (nodes·layers·20 SHA-256 compressions at the single-stream
//   rate measured now) + PC2 bound (Poseidon Fr multiplications x ns per
//   multiplication of the tree_c plugin's arithmetic, measured now, spread
//   over the engine's cores).
// The parent cache is made ready before the clock starts (a rebuild node
// keeps it). ratio = seconds / (PC1 bound + PC2 bound). With --comm-r the
// rebuilt CommR is checked against the given one, as a rebuild does.
#include <algorithm>
#include <thread>

#include "bench_support.hpp"
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

void run_rebuild()
{
    auto &o = rebuild_options();
    const SealProof *proof = must(find_seal_proof(o.proof));
    const core::EngineOptions engine_opts = engine_options(o.engine);
    const auto &registry = context().registry();
    const core::StageHandle pc1 = must(registry.select(DMC_STAGE_PC1, engine_opts.plugin_overrides));
    const core::StageHandle tree_c = must(registry.select(DMC_STAGE_TREE_C, engine_opts.plugin_overrides));
    const auto kernels = avx512_kernels(registry);
    ParentCacheOptions cache_options;
    cache_options.dir = engine_opts.parent_cache_dir;
    std::printf("parent cache for %s (generated on first use) ...\n", proof->name);
    std::fflush(stdout);
    must(ensure_parent_cache(*proof, cache_options));

    ScratchDir scratch(o.work.empty() ? default_scratch_parent() : o.work, "rebuild", o.keep);
    core::SectorJob job;
    job.spec = {1000, 1, proof->id, core::Plan::cc};
    job.proof = proof;
    fill_canonical(job.ticket.data(), 77);
    job.work_dir = scratch.path() + "/" + job.sector_id();
    if (!o.comm_r.empty()) {
        auto decoded = cid_to_commitment(o.comm_r, CommitmentKind::sealed);
        if (!decoded) fail_usage("invalid --comm-r: " + decoded.error().message);
        job.expected_comm_r = *decoded;
    }
    job.persist = [](core::SectorJob &) -> Status { return {}; }; // the files stay in the scratch dir
    const uint32_t cores = engine_opts.budget.cores ? engine_opts.budget.cores
                                                    : std::max(1u, std::thread::hardware_concurrency());

    double sha_ns = openssl_sha_block_ns(1u << 23);
    if (kernels) sha_ns = std::min(sha_ns, kernels->sha_block_ns(1u << 23));
    auto mul_ns = [&] {
        return tree_c.plugin_name() == "avx512" && kernels ? kernels->fr_mul_ns(20'000'000)
                                                           : sdk_fr_mul_ns(20'000'000);
    };
    double fr_ns = mul_ns();

    std::printf("rebuild: %s CC through the engine (pc1 %s, tree_c %s, %u cores) ...\n", proof->name,
                pc1.plugin_name().c_str(), tree_c.plugin_name().c_str(), cores);
    std::fflush(stdout);
    const double load_before = load_average();
    core::Engine engine(registry, engine_opts);
    Stopwatch watch;
    std::vector<core::SectorJob *> batch = {&job};
    auto outcomes = must(core::run_jobs(engine, batch));
    const double seconds = watch.wall_seconds(), user = watch.user_seconds();
    const double load_after = load_average();
    if (outcomes.empty() || outcomes[0].outcome != core::SectorOutcome::ok)
        fail("rebuild failed: " + (outcomes.empty() ? std::string("no outcome") : outcomes[0].error.message));

    sha_ns = std::min(sha_ns, openssl_sha_block_ns(1u << 23));
    if (kernels) sha_ns = std::min(sha_ns, kernels->sha_block_ns(1u << 23));
    fr_ns = std::min(fr_ns, mul_ns());
    const Pc2Work work = pc2_work(*proof);
    const double pc1_bound = double(pc1_compressions(*proof)) * sha_ns * 1e-9;
    const double pc2_bound = double(work.tree_c_muls + work.tree_r_last_muls) * fr_ns * 1e-9 / cores;
    const Bytes32 comm_r = job.record.outputs.comm_r.value_or(Bytes32{});

    ResultLine line("rebuild");
    line.add("proof", proof->name).add("pc1_plugin", pc1.plugin_name()).add("tree_c_plugin", tree_c.plugin_name());
    line.add("cores", cores, 0).add("comm_r", commitment_to_cid(comm_r, CommitmentKind::sealed));
    line.add("sha_block_ns", sha_ns).add("fr_mul_ns", fr_ns).add("pc1_bound_s", pc1_bound).add("pc2_bound_s",
                                                                                                 pc2_bound);
    line.add("user_s", user).add("seconds", seconds).add("ratio", seconds / (pc1_bound + pc2_bound));
    // PC2's limit is divided by `cores` (hardware threads unless --cores is
    // given): on an SMT machine pass --cores <physical cores>.
    line.add("ratio_basis", "pc1_single_stream+pc2_fr_muls_per_core");
    line.add("load1_before", load_before, 2).add("load1_after", load_after, 2).print();
}

} // namespace

void add_rebuild_bench(CLI::App *bench)
{
    auto &o = rebuild_options();
    auto *cmd = bench->add_subcommand("rebuild", "CC rebuild end to end through the engine against PC1 + PC2 bounds");
    cmd->add_option("--proof", o.proof, "RegisteredSealProof (default StackedDrg512MiBV1_1)");
    cmd->add_option("--comm-r", o.comm_r, "Registered CommR (CID) the rebuild must reproduce");
    cmd->add_option("--work", o.work, "Work directory (default $TMPDIR or /var/tmp)");
    cmd->add_flag("--keep", o.keep, "Keep the rebuilt files");
    add_engine_options(cmd, o.engine);
    cmd->callback(run_rebuild);
}

} // namespace dmc::cli::bench
