// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run bench pc2 [--proof P] [--threads T] [--plugin tree_c=X ...]`:
// the selected tree_c and tree_r_last stages (CC: the replica is the last
// layer) over synthetic layers of random field elements (PC2's cost does
// not depend on the label values), against the Poseidon limit measured in
// this run:
//   bound = (Poseidon Fr multiplications of PC2) x (ns per Fr multiplication
//           of the arithmetic the selected plugin uses) / threads
// where the multiplication count is the optimised-form count of
// docs/algorithms.md §14.2 (column hashes, both trees, compound roots), and
// the ns per multiplication is the avx512 IFMA kernel's throughput for the
// avx512 plugin and the sdk's (4x64 CIOS, 8 chains) for any other.
// ratio = (tree_c + tree_r_last seconds) / bound.
#include <algorithm>
#include <cstring>
#include <filesystem>

#include "bench_support.hpp"
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

// ns per multiplication of the arithmetic `plugin` uses: best of two runs.
double mul_ns_for(const std::string &plugin, const std::optional<Avx512Kernels> &kernels)
{
    constexpr uint64_t kMuls = 20'000'000;
    if (plugin == "avx512" && kernels) return std::min(kernels->fr_mul_ns(kMuls), kernels->fr_mul_ns(kMuls));
    return std::min(sdk_fr_mul_ns(kMuls), sdk_fr_mul_ns(kMuls));
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
    const auto kernels = avx512_kernels(registry);
    const SectorTreeLayout layout = must(sector_tree_layout(proof->sector_size));

    ScratchDir scratch(o.work.empty() ? default_scratch_parent() : o.work, "pc2", o.keep);
    std::printf("pc2: writing %u synthetic layers of %s ...\n", proof->layers, proof->name);
    std::fflush(stdout);
    for (uint32_t l = 1; l <= proof->layers; ++l)
        write_synthetic_layer(scratch.path() + "/" + layout.label_files[l - 1], proof->nodes(), l);

    double mul_c = mul_ns_for(tree_c.plugin_name(), kernels), mul_r = mul_ns_for(tree_r.plugin_name(), kernels);
    const double load_before = load_average();
    char error[1024] = {};

    std::printf("pc2: tree_c (plugin %s) and tree_r_last (plugin %s), %u thread(s) ...\n",
                tree_c.plugin_name().c_str(), tree_r.plugin_name().c_str(), threads);
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
    const double load_after = load_average();

    // The limit again after the run; the faster measurement is the stricter limit.
    mul_c = std::min(mul_c, mul_ns_for(tree_c.plugin_name(), kernels));
    mul_r = std::min(mul_r, mul_ns_for(tree_r.plugin_name(), kernels));
    const Pc2Work work = pc2_work(*proof);
    const double c_bound = double(work.tree_c_muls) * mul_c * 1e-9 / threads;
    const double r_bound = double(work.tree_r_last_muls) * mul_r * 1e-9 / threads;
    const double seconds = c_seconds + r_seconds;

    ResultLine line("pc2");
    line.add("proof", proof->name).add("tree_c_plugin", tree_c.plugin_name()).add("tree_r_last_plugin",
                                                                                   tree_r.plugin_name());
    line.add("threads", threads, 0).add("fr_muls", double(work.tree_c_muls + work.tree_r_last_muls), 0);
    line.add("tree_c_mul_ns", mul_c).add("tree_r_last_mul_ns", mul_r);
    line.add("tree_c_s", c_seconds).add("tree_c_bound_s", c_bound).add("tree_c_ratio", c_seconds / c_bound);
    line.add("tree_r_last_s", r_seconds).add("tree_r_last_bound_s", r_bound).add("tree_r_last_ratio",
                                                                                  r_seconds / r_bound);
    line.add("user_s", c_user + r_user).add("bound_s", c_bound + r_bound);
    line.add("seconds", seconds).add("ratio", seconds / (c_bound + r_bound));
    // The limit is a CPU one (the plugin's own Fr product x count / threads);
    // a GPU plugin is not bounded by it, and its ratio compares with the CPU.
    const bool cpu_limits = tree_c.plugin_name() != "gpu" && tree_r.plugin_name() != "gpu";
    line.add("ratio_basis", cpu_limits ? "fr_muls_x_mul_ns_per_thread" : "cpu_limit_for_a_gpu_plugin");
    line.add("load1_before", load_before, 2).add("load1_after", load_after, 2).print();
}

} // namespace

void add_pc2_bench(CLI::App *bench)
{
    auto &o = pc2_options();
    auto *cmd = bench->add_subcommand(
        "pc2", "tree_c + tree_r_last time against Poseidon Fr-mul count x Fr-mul time measured in this run");
    cmd->add_option("--proof", o.proof, "RegisteredSealProof (default StackedDrg512MiBV1_1)");
    cmd->add_option("--threads", o.threads, "call->threads given to each stage, default 1");
    cmd->add_option("--work", o.work, "Directory for layers and trees (default $TMPDIR or /var/tmp)");
    cmd->add_flag("--keep", o.keep, "Keep the files");
    add_engine_options(cmd, o.engine);
    cmd->callback(run_pc2);
}

} // namespace dmc::cli::bench
