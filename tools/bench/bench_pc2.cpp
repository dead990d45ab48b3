// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run bench pc2 [--proof P] [--threads T] [--plugin tree_c=X ...]`:
// the selected tree_c and tree_r_last stages (CC: the replica is the last
// layer) over synthetic layers of random field elements (PC2's cost does
// not depend on the label values), against two limits measured in this run
// (bench_limits.hpp), each divided by the threads:
//  * full_mul_equivalents: the optimised-form Fr multiplication count of
//    docs/algorithms.md §14.2 (column hashes, both trees, compound roots)
//    x ns per multiplication of the plugin's own fr_mul kernel (the sdk's
//    for a plugin without one). Code that accumulates matrix products
//    before one reduction (the IFMA code does) can beat this count, so it
//    is printed for reference, not used as the ratio;
//  * the IFMA floor: what that code must do at least: the S-box
//    multiplications at the fr_mul rate + one Montgomery reduction per
//    matrix row at the madd52 kernel's rate.
// ratio = (tree_c + tree_r_last seconds) / floor: >= 1, how far from the
// floor the stages are.
// ratio_cpu = the process's CPU seconds / (floor x threads): the same
// without the time a shared machine kept the threads waiting for a core.
#include <algorithm>
#include <cstring>
#include <filesystem>

#include "bench_limits.hpp"
#include "cli_common.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "engine_setup.hpp"

namespace dmc::cli::bench {

namespace {

struct Pc2Options {
    std::string proof = "StackedDrg512MiBV1_1";
    uint32_t threads = 1;
    std::string work;
    bool keep = false;
    EngineCliOptions engine;
};

Pc2Options &pc2_options()
{
    static Pc2Options o;
    return o;
}

// A layer file of pseudo-random canonical elements (top two bits clear).
void write_synthetic_layer(const std::string &path, uint64_t nodes, uint64_t seed)
{
    AtomicFileWriter out = must(AtomicFileWriter::create(path));
    constexpr uint64_t kChunkNodes = 1u << 16;
    std::vector<uint64_t> chunk(kChunkNodes * 4);
    uint64_t x = 0x9e3779b97f4a7c15ull ^ seed;
    for (uint64_t start = 0; start < nodes; start += kChunkNodes) {
        const uint64_t count = std::min(kChunkNodes, nodes - start);
        for (uint64_t i = 0; i < count * 4; ++i) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk[i] = (i % 4 == 3) ? (x & 0x3fffffffffffffffull) : x;
        }
        must(out.write(std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(chunk.data()), count * 32)));
    }
    must(out.commit());
}

dmc_call make_call(uint32_t threads, char *error, uint32_t error_size)
{
    dmc_call call{};
    call.struct_size = sizeof call;
    call.threads = threads;
    call.numa_node = -1;
    call.error = error;
    call.error_size = error_size;
    return call;
}

struct StageTiming {
    double seconds = 0, user = 0, cpu = 0; // wall, user CPU, user + system CPU
};

StageTiming timing_of(const Stopwatch &watch)
{
    return {watch.wall_seconds(), watch.user_seconds(), watch.user_seconds() + watch.system_seconds()};
}

StageTiming time_tree_c(const core::StageHandle &stage, const SealProof &proof, const std::string &cache_dir,
                        uint32_t threads)
{
    char error[1024] = {};
    dmc_tree_c_args args{};
    args.struct_size = sizeof args;
    args.registered_proof = proof.id;
    args.cache_dir = cache_dir.c_str();
    dmc_call call = make_call(threads, error, sizeof error);
    Stopwatch watch;
    if (stage.ops<dmc_tree_c_ops>()->run(&call, &args) != DMC_OK) fail(std::string("tree_c failed: ") + error);
    return timing_of(watch);
}

// CC: the replica is the last layer.
StageTiming time_tree_r_last(const core::StageHandle &stage, const SealProof &proof, const SectorTreeLayout &layout,
                             const std::string &dir, uint32_t threads)
{
    char error[1024] = {};
    dmc_tree_r_last_args args{};
    args.struct_size = sizeof args;
    args.registered_proof = proof.id;
    args.rows_to_discard = layout.rows_to_discard;
    const std::string layer = dir + "/" + layout.label_files.back();
    const std::string replica = dir + "/sealed";
    args.layer_path = layer.c_str();
    args.replica_path = replica.c_str();
    args.tree_dir = dir.c_str();
    dmc_call call = make_call(threads, error, sizeof error);
    Stopwatch watch;
    if (stage.ops<dmc_tree_r_last_ops>()->run(&call, &args) != DMC_OK)
        fail(std::string("tree_r_last failed: ") + error);
    return timing_of(watch);
}

// The two limits of the run, per thread.
struct Pc2Limits {
    FrRates rates_c, rates_r;
    Pc2Work work;
    double c_full = 0, r_full = 0, c_floor = 0, r_floor = 0;
    std::string floor_basis;
};

Pc2Limits pc2_limits(const SealProof &proof, const FrRates &rates_c, const FrRates &rates_r, uint32_t threads)
{
    Pc2Limits l;
    l.rates_c = rates_c;
    l.rates_r = rates_r;
    l.work = pc2_work(proof);
    l.c_full = full_mul_bound_s(l.work.tree_c, rates_c) / threads;
    l.r_full = full_mul_bound_s(l.work.tree_r_last, rates_r) / threads;
    l.c_floor = ifma_floor_s(l.work.tree_c, rates_c) / threads;
    l.r_floor = ifma_floor_s(l.work.tree_r_last, rates_r) / threads;
    l.floor_basis = ifma_floor_basis(rates_c) == ifma_floor_basis(rates_r)
                        ? ifma_floor_basis(rates_c)
                        : "tree_c:" + ifma_floor_basis(rates_c) + ",tree_r_last:" + ifma_floor_basis(rates_r);
    return l;
}

void print_pc2_bases(const Pc2Limits &l, double seconds, uint32_t threads)
{
    std::printf("pc2 basis full_mul_equivalents: %.0f multiplications x %.3f/%.3f ns / %u thread(s) = %.2f s "
                "(%.2f x)\n",
                double(l.work.tree_c.full_muls + l.work.tree_r_last.full_muls), l.rates_c.mul_ns, l.rates_r.mul_ns,
                threads, l.c_full + l.r_full, seconds / (l.c_full + l.r_full));
    std::printf("pc2 basis ifma_floor: %.0f S-box multiplications x %.3f ns + %.0f matrix rows x %u madd52 x %.4f ns "
                "/ %u thread(s) = %.2f s (%.2f x)\n",
                double(l.work.tree_c.sbox_muls + l.work.tree_r_last.sbox_muls), l.rates_c.mul_ns,
                double(l.work.tree_c.mds_rows + l.work.tree_r_last.mds_rows), kRedcMadd52,
                l.rates_c.has_madd52() ? l.rates_c.madd52_ns : 0.0, threads, l.c_floor + l.r_floor,
                seconds / (l.c_floor + l.r_floor));
}

struct Pc2Run {
    const SealProof *proof;
    std::string tree_c_plugin, tree_r_last_plugin;
    uint32_t threads;
    StageTiming c, r;
    double load_before, load_after;
};

void print_pc2_line(const Pc2Run &run, const Pc2Limits &l)
{
    const double seconds = run.c.seconds + run.r.seconds;
    const double floor = l.c_floor + l.r_floor;
    ResultLine line("pc2");
    line.add("proof", run.proof->name)
        .add("tree_c_plugin", run.tree_c_plugin)
        .add("tree_r_last_plugin", run.tree_r_last_plugin);
    line.add("threads", run.threads, 0);
    line.add("tree_c_mul_ns", l.rates_c.mul_ns)
        .add("tree_r_last_mul_ns", l.rates_r.mul_ns)
        .add("mul_source", l.rates_c.mul_source);
    if (l.rates_c.has_madd52()) line.add("madd52_ns", l.rates_c.madd52_ns, 4);
    line.add("full_mul_equivalents", double(l.work.tree_c.full_muls + l.work.tree_r_last.full_muls), 0);
    line.add("sbox_muls", double(l.work.tree_c.sbox_muls + l.work.tree_r_last.sbox_muls), 0);
    line.add("mds_rows", double(l.work.tree_c.mds_rows + l.work.tree_r_last.mds_rows), 0);
    line.add("tree_c_s", run.c.seconds).add("tree_c_floor_s", l.c_floor).add("tree_c_ratio", run.c.seconds / l.c_floor);
    line.add("tree_r_last_s", run.r.seconds)
        .add("tree_r_last_floor_s", l.r_floor)
        .add("tree_r_last_ratio", run.r.seconds / l.r_floor);
    line.add("user_s", run.c.user + run.r.user);
    line.add("full_mul_equivalents_bound_s", l.c_full + l.r_full)
        .add("ratio_full_mul_equivalents", seconds / (l.c_full + l.r_full));
    line.add("floor_s", floor);
    line.add("seconds", seconds).add("ratio", seconds / floor);
    // The limits are CPU ones; a GPU plugin is not bounded by them, and its
    // ratio compares with the CPU.
    const bool cpu_limits = run.tree_c_plugin != "gpu" && run.tree_r_last_plugin != "gpu";
    line.add("ratio_basis", cpu_limits ? "ifma_floor:" + l.floor_basis + "_per_thread"
                                       : "cpu_floor_for_a_gpu_plugin:" + l.floor_basis);
    // On a machine shared with other work the wall clock includes the time
    // the threads waited for a core; the process's CPU time does not.
    const double cpu = run.c.cpu + run.r.cpu;
    line.add("cpu_s", cpu).add("ratio_cpu", cpu / (floor * run.threads));
    line.add("cpu_basis", "process_cpu_seconds/(floor_s*threads)");
    line.add("load1_before", run.load_before, 2).add("load1_after", run.load_after, 2).print();
}

void run_pc2()
{
    auto &o = pc2_options();
    const SealProof *proof = must(find_seal_proof(o.proof));
    const uint32_t threads = std::max(1u, o.threads);
    const core::EngineOptions engine = engine_options(o.engine);
    const auto &registry = context().registry();
    const core::StageHandle tree_c = must(registry.select(DMC_STAGE_TREE_C, engine.plugin_overrides));
    const core::StageHandle tree_r = must(registry.select(DMC_STAGE_TREE_R_LAST, engine.plugin_overrides));
    const SectorTreeLayout layout = must(sector_tree_layout(proof->sector_size));

    ScratchDir scratch(o.work.empty() ? default_scratch_parent() : o.work, "pc2", o.keep);
    std::printf("pc2: writing %u synthetic layers of %s ...\n", proof->layers, proof->name);
    std::fflush(stdout);
    for (uint32_t l = 1; l <= proof->layers; ++l)
        write_synthetic_layer(scratch.path() + "/" + layout.label_files[l - 1], proof->nodes(), l);

    FrRates rates_c, rates_r;
    measure_fr_rates(registry, tree_c.plugin_name(), rates_c);
    measure_fr_rates(registry, tree_r.plugin_name(), rates_r);
    Pc2Run run{proof, tree_c.plugin_name(), tree_r.plugin_name(), threads, {}, {}, load_average(), 0};
    std::printf("pc2: tree_c (plugin %s) and tree_r_last (plugin %s), %u thread(s) ...\n", tree_c.plugin_name().c_str(),
                tree_r.plugin_name().c_str(), threads);
    std::fflush(stdout);
    run.c = time_tree_c(tree_c, *proof, scratch.path(), threads);
    run.r = time_tree_r_last(tree_r, *proof, layout, scratch.path(), threads);
    run.load_after = load_average();

    // The limits again after the run; the faster measurement is the stricter limit.
    measure_fr_rates(registry, tree_c.plugin_name(), rates_c);
    measure_fr_rates(registry, tree_r.plugin_name(), rates_r);
    const Pc2Limits limits = pc2_limits(*proof, rates_c, rates_r, threads);
    print_pc2_bases(limits, run.c.seconds + run.r.seconds, threads);
    print_pc2_line(run, limits);
}

} // namespace

void add_pc2_bench(CLI::App *bench)
{
    auto &o = pc2_options();
    auto *cmd = bench->add_subcommand("pc2", "tree_c + tree_r_last time against the IFMA floor (S-box muls + one "
                                             "reduction per matrix row) measured in this run");
    cmd->add_option("--proof", o.proof, "RegisteredSealProof (default StackedDrg512MiBV1_1)");
    cmd->add_option("--threads", o.threads, "call->threads given to each stage, default 1");
    cmd->add_option("--work", o.work, "Directory for layers and trees (default $TMPDIR or /var/tmp)");
    cmd->add_flag("--keep", o.keep, "Keep the files");
    add_engine_options(cmd, o.engine);
    cmd->callback(run_pc2);
}

} // namespace dmc::cli::bench
