// SPDX-License-Identifier: Apache-2.0
//
// tree_r_last stage of the avx512 plugin (docs/algorithms.md §10.7, §10.6):
// replica = last layer + data in Fr (CC: the last layer itself), then one
// arity-8 Poseidon base tree per base range over the replica with the 8-lane
// IFMA Poseidon, stored as the level cache (rows rows_to_discard+1..k) in
// sc-02-data-tree-r-last[-i].dat; comm_r_last = compound root (sdk). As in
// the cpu stage, the replica is written out of place into a temporary and
// published first, then the trees that describe it; with
// DMC_TREE_R_BUILD_ONLY an existing replica is only read.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "avx512_stages.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/poseidon_tree.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "damocles/sdk/tree_stage_inputs.hpp"
#include "stage_common.hpp"
#include "tree_builder_ifma.hpp"

namespace dmc::avx512 {

namespace {

Status build_tree_r_last(const dmc_call *call, dmc_tree_r_last_args *args)
{
    TreeRLastInputs in;
    DMC_TRY_ASSIGN(in, open_tree_r_last_inputs(args));
    const SealProof *proof = in.proof;
    const SectorTreeLayout &layout = in.layout;
    const bool build_only = in.build_only;
    const uint64_t nodes = layout.nodes;
    const uint64_t n = layout.base_tree.leaves;
    const uint64_t encode_units = build_only ? 0 : nodes;
    const uint64_t work = ifma_tree_work(n, false);
    ProgressRelay progress(call, encode_units + layout.base_tree_count * work);
    if (progress.cancelled()) return make_error(Errc::cancelled, "cancelled");

    // 1. The replica: encoded into a temporary, or the existing file.
    ReplicaForTrees replica;
    DMC_TRY_ASSIGN(replica, replica_for_trees(args, in, [&](uint64_t done) {
                       progress.report(done);
                       return !progress.cancelled();
                   }));

    // 2. Level-cache trees over the replica.
    const unsigned first_row = layout.rows_to_discard + 1;
    std::vector<Fr> roots;
    std::vector<AtomicFileWriter> tree_files;
    for (uint32_t i = 0; i < layout.base_tree_count; ++i) {
        AtomicFileWriter file;
        DMC_TRY_ASSIGN(file, AtomicFileWriter::create(std::string(args->tree_dir) + "/" + layout.tree_r_last_files[i]));
        MappedFile out;
        DMC_TRY_ASSIGN(out, MappedFile::open_rw(file.temp_path(), layout.tree_r_last_file_bytes));
        IfmaTreeOptions opts;
        opts.threads = call->threads ? call->threads : 1;
        opts.cancel = progress.cancel_flag();
        opts.progress = [&](uint64_t done) { progress.report(encode_units + i * work + done); };
        Fr root;
        DMC_TRY_ASSIGN(root, build_base_tree_ifma(TreeLeaves{{}, replica.data() + i * n * 32}, n, out.mutable_data(),
                                                  first_row, opts));
        DMC_TRY_VOID(out.sync());
        roots.push_back(root);
        tree_files.push_back(std::move(file));
    }
    Fr comm_r_last;
    DMC_TRY_ASSIGN(comm_r_last, compound_root(proof->shape, roots));

    // 3. Publish: replica first, then the trees that describe it.
    DMC_TRY_VOID(publish_replica(replica));
    for (auto &f : tree_files) DMC_TRY_VOID(f.commit());
    comm_r_last.to_bytes(args->comm_r_last);
    return {};
}

dmc_status run(const dmc_call *call, dmc_tree_r_last_args *args) noexcept
{
    return run_stage(call, "tree_r_last", [&] { return build_tree_r_last(call, args); });
}

} // namespace

extern const dmc_tree_r_last_ops kAvx512TreeRLastOps = {sizeof(dmc_tree_r_last_ops), 0, &run};

} // namespace dmc::avx512
