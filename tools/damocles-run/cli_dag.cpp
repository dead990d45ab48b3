// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run dag show --proof P [--deal | --snap | --cache-only]
// [--sectors K] [--dot]`: the rebuild DAG a batch of K sectors would run,
// with the plugins the registry selects on this machine (PC1 fused when the
// selected pc1 plugin takes several sectors). A stage with no usable plugin
// yet shows "-" instead of failing.
#include <cstdio>

#include "cli_common.hpp"
#include "damocles/core/internal/dag_builder.hpp"
#include "damocles/core/internal/dag_format.hpp"
#include "damocles/sdk/proof.hpp"

namespace dmc::cli {

namespace {

struct DagShowOptions {
    std::string proof;
    bool deal = false;
    bool snap = false;
    bool cache_only = false;
    bool unseal = false;
    uint32_t sectors = 1;
    uint64_t miner = 1000;
    bool dot = false;
    bool no_fuse = false;
};

void dag_show(const DagShowOptions &o)
{
    if (int(o.deal) + int(o.snap) + int(o.cache_only) + int(o.unseal) > 1)
        fail_usage("--deal, --snap, --cache-only and --unseal exclude each other");
    if (o.sectors == 0) fail_usage("--sectors must be at least 1");
    const SealProof *proof = must(find_seal_proof(o.proof));
    core::Plan plan = o.snap         ? core::Plan::snap
                      : o.deal       ? core::Plan::deal
                      : o.cache_only ? core::Plan::cache_only
                      : o.unseal     ? core::Plan::unseal
                                     : core::Plan::cc;
    std::vector<core::SectorSpec> specs;
    for (uint32_t i = 0; i < o.sectors; ++i) specs.push_back({o.miner, i + 1, proof->id, plan});
    core::DagBuildOptions build;
    build.chooser = core::registry_stage_chooser(context().registry());
    build.fuse_pc1 = !o.no_fuse;
    core::Dag dag = must(core::build_batch_dag(specs, build));
    std::string text = o.dot ? core::format_dag_dot(dag) : core::format_dag_text(dag);
    std::fputs(text.c_str(), stdout);
}

} // namespace

void register_dag_commands(CLI::App &app)
{
    auto *dag = app.add_subcommand("dag", "Rebuild DAGs");
    dag->require_subcommand(1);
    auto *show = dag->add_subcommand("show", "Print the rebuild DAG of a batch (text, or Graphviz with --dot)");
    static DagShowOptions opts;
    show->add_option("--proof", opts.proof, "RegisteredSealProof name or id (e.g. StackedDrg32GiBV1_1)")->required();
    show->add_flag("--deal", opts.deal, "Sectors with deal pieces (same shape as CC)");
    show->add_flag("--snap", opts.snap, "Snap-upgraded sectors (CC rebuild, then the snap steps)");
    show->add_flag("--cache-only", opts.cache_only, "The sealed file survived: rebuild only the cache");
    show->add_flag("--unseal", opts.unseal, "The sealed file survived: decode it into the unsealed copy");
    show->add_option("--sectors", opts.sectors, "Sectors in the batch")->capture_default_str();
    show->add_option("--miner", opts.miner, "Miner id used in the sector ids")->capture_default_str();
    show->add_flag("--no-fuse", opts.no_fuse, "Do not fuse PC1 vertices even if the pc1 plugin could");
    show->add_flag("--dot", opts.dot, "Graphviz output (pipe into `dot -Tsvg`)");
    show->callback([] { dag_show(opts); });
}

} // namespace dmc::cli
