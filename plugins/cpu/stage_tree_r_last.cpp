// SPDX-License-Identifier: Apache-2.0
//
// tree_r_last stage of the cpu plugin (docs/algorithms.md §10.7, §10.6):
// replica = last layer + data in Fr (CC: the last layer itself), then one
// arity-8 Poseidon base tree per base range over the replica, stored as the
// level cache (rows rows_to_discard+1..k) in sc-02-data-tree-r-last[-i].dat,
// comm_r_last = compound root. The replica is written out of place (never
// over the staged data), so an interrupted run is simply run again.
#include <algorithm>
#include <string>
#include <vector>

#include "cpu_stages.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/poseidon_tree.hpp"
#include "damocles/sdk/stage_support.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "damocles/sdk/tree_stage_inputs.hpp"
#include "tree_r_build.hpp"

namespace dmc::cpu {

namespace {

Status build_tree_r_last(const dmc_call *call, dmc_tree_r_last_args *args)
{
    TreeRLastInputs in;
    DMC_TRY_ASSIGN(in, open_tree_r_last_inputs(args));
    const SealProof *proof = in.proof;
    const SectorTreeLayout &layout = in.layout;
    const bool build_only = in.build_only;
    const uint64_t nodes = layout.nodes;
    const uint64_t tree_hashes = layout.base_tree.total_nodes() - layout.base_tree.leaves;
    plugin::ProgressRelay progress(call, (build_only ? 0 : nodes) + layout.base_tree_count * tree_hashes);

    // 1. The replica: encoded into a temporary, or the existing file.
    ReplicaForTrees replica;
    DMC_TRY_ASSIGN(replica, replica_for_trees(args, in, [&](uint64_t done) {
                       progress.report(0, done);
                       return !progress.cancelled();
                   }));

    // 2. Level-cache trees over the replica.
    TreeRBuild trees;
    DMC_TRY_ASSIGN(trees, build_tree_r_last_files(*proof, layout, replica.data(), args->tree_dir, call->threads,
                                                  progress, build_only ? 0 : nodes));

    // 3. Publish: replica first, then the trees that describe it.
    DMC_TRY_VOID(publish_replica(replica));
    for (auto &f : trees.files) DMC_TRY_VOID(f.commit());
    trees.root.to_bytes(args->comm_r_last);
    return {};
}

dmc_status run(const dmc_call *call, dmc_tree_r_last_args *args)
{
    return plugin::run_stage(call, "tree_r_last", [&] { return build_tree_r_last(call, args); });
}

} // namespace

const dmc_tree_r_last_ops kCpuTreeRLastOps = {sizeof(dmc_tree_r_last_ops), 0, run};

} // namespace dmc::cpu
