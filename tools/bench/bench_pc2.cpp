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
    const double load_before = load_average();
    char error[1024] = {};

    std::printf("pc2: tree_c (plugin %s) and tree_r_last (plugin %s), %u thread(s) ...\n", tree_c.plugin_name().c_str(),
                tree_r.plugin_name().c_str(), threads);
    std::fflush(stdout);
    dmc_tree_c_args c_args{};
    c_args.struct_size = sizeof c_args;
    c_args.registered_proof = proof->id;
    const std::string cache_dir = scratch.path();
    c_args.cache_dir = cache_dir.c_str();
    dmc_call call = make_call(threads, error, sizeof error);
    Stopwatch c_watch;
    if (tree_c.ops<dmc_tree_c_ops>()->run(&call, &c_args) != DMC_OK) fail(std::string("tree_c failed: ") + error);
    const double c_seconds = c_watch.wall_seconds(), c_user = c_watch.user_seconds();
    const double c_cpu = c_user + c_watch.system_seconds();

    dmc_tree_r_last_args r_args{};
    r_args.struct_size = sizeof r_args;
    r_args.registered_proof = proof->id;
    r_args.rows_to_discard = layout.rows_to_discard;
    const std::string layer = scratch.path() + "/" + layout.label_files.back();
    const std::string replica = scratch.path() + "/sealed";
    r_args.layer_path = layer.c_str();
    r_args.replica_path = replica.c_str();
    r_args.tree_dir = cache_dir.c_str();
    call = make_call(threads, error, sizeof error);
    Stopwatch r_watch;
    if (tree_r.ops<dmc_tree_r_last_ops>()->run(&call, &r_args) != DMC_OK)
        fail(std::string("tree_r_last failed: ") + error);
    const double r_seconds = r_watch.wall_seconds(), r_user = r_watch.user_seconds();
    const double r_cpu = r_user + r_watch.system_seconds();
    const double load_after = load_average();

    // The limits again after the run; the faster measurement is the stricter limit.
    measure_fr_rates(registry, tree_c.plugin_name(), rates_c);
    measure_fr_rates(registry, tree_r.plugin_name(), rates_r);
    const Pc2Work work = pc2_work(*proof);
    const double c_full = full_mul_bound_s(work.tree_c, rates_c) / threads;
    const double r_full = full_mul_bound_s(work.tree_r_last, rates_r) / threads;
    const double c_floor = ifma_floor_s(work.tree_c, rates_c) / threads;
    const double r_floor = ifma_floor_s(work.tree_r_last, rates_r) / threads;
    const double seconds = c_seconds + r_seconds;
    const std::string floor_basis =
        ifma_floor_basis(rates_c) == ifma_floor_basis(rates_r)
            ? ifma_floor_basis(rates_c)
            : "tree_c:" + ifma_floor_basis(rates_c) + ",tree_r_last:" + ifma_floor_basis(rates_r);
    std::printf("pc2 basis full_mul_equivalents: %.0f multiplications x %.3f/%.3f ns / %u thread(s) = %.2f s "
                "(%.2f x)\n",
                double(work.tree_c.full_muls + work.tree_r_last.full_muls), rates_c.mul_ns, rates_r.mul_ns, threads,
                c_full + r_full, seconds / (c_full + r_full));
    std::printf("pc2 basis ifma_floor: %.0f S-box multiplications x %.3f ns + %.0f matrix rows x %u madd52 x %.4f ns "
                "/ %u thread(s) = %.2f s (%.2f x)\n",
                double(work.tree_c.sbox_muls + work.tree_r_last.sbox_muls), rates_c.mul_ns,
                double(work.tree_c.mds_rows + work.tree_r_last.mds_rows), kRedcMadd52,
                rates_c.has_madd52() ? rates_c.madd52_ns : 0.0, threads, c_floor + r_floor,
                seconds / (c_floor + r_floor));

    ResultLine line("pc2");
    line.add("proof", proof->name)
        .add("tree_c_plugin", tree_c.plugin_name())
        .add("tree_r_last_plugin", tree_r.plugin_name());
    line.add("threads", threads, 0);
    line.add("tree_c_mul_ns", rates_c.mul_ns)
        .add("tree_r_last_mul_ns", rates_r.mul_ns)
        .add("mul_source", rates_c.mul_source);
    if (rates_c.has_madd52()) line.add("madd52_ns", rates_c.madd52_ns, 4);
    line.add("full_mul_equivalents", double(work.tree_c.full_muls + work.tree_r_last.full_muls), 0);
    line.add("sbox_muls", double(work.tree_c.sbox_muls + work.tree_r_last.sbox_muls), 0);
    line.add("mds_rows", double(work.tree_c.mds_rows + work.tree_r_last.mds_rows), 0);
    line.add("tree_c_s", c_seconds).add("tree_c_floor_s", c_floor).add("tree_c_ratio", c_seconds / c_floor);
    line.add("tree_r_last_s", r_seconds)
        .add("tree_r_last_floor_s", r_floor)
        .add("tree_r_last_ratio", r_seconds / r_floor);
    line.add("user_s", c_user + r_user);
    line.add("full_mul_equivalents_bound_s", c_full + r_full)
        .add("ratio_full_mul_equivalents", seconds / (c_full + r_full));
    line.add("floor_s", c_floor + r_floor);
    line.add("seconds", seconds).add("ratio", seconds / (c_floor + r_floor));
    // The limits are CPU ones; a GPU plugin is not bounded by them, and its
    // ratio compares with the CPU.
    const bool cpu_limits = tree_c.plugin_name() != "gpu" && tree_r.plugin_name() != "gpu";
    line.add("ratio_basis",
             cpu_limits ? "ifma_floor:" + floor_basis + "_per_thread" : "cpu_floor_for_a_gpu_plugin:" + floor_basis);
    // On a machine shared with other work the wall clock includes the time
    // the threads waited for a core; the process's CPU time does not.
    line.add("cpu_s", c_cpu + r_cpu).add("ratio_cpu", (c_cpu + r_cpu) / ((c_floor + r_floor) * threads));
    line.add("cpu_basis", "process_cpu_seconds/(floor_s*threads)");
    line.add("load1_before", load_before, 2).add("load1_after", load_after, 2).print();
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
