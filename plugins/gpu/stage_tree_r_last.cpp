// SPDX-License-Identifier: Apache-2.0
//
// tree_r_last stage of the gpu plugin (docs/algorithms.md §10.7, §10.6):
// replica = last layer + data in Fr (CC: the last layer itself, every label
// checked), then one arity-8 Poseidon base tree per base range over the
// replica, stored as the level cache (rows rows_to_discard+1..k) in
// sc-02-data-tree-r-last[-i].dat; comm_r_last = compound root (sdk).
//
// Encoding is fused into the tree pass: each chunk is encoded on the GPU,
// written to the replica temporary, and hashed while still on the device, so
// the sector is read once. As in the cpu stage, the replica is written out of
// place and published first, then the trees that describe it; with
// DMC_TREE_R_BUILD_ONLY an existing replica is only read.
#include <string>
#include <vector>

#include "damocles/sdk/file.hpp"
#include "damocles/sdk/poseidon_tree.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "damocles/sdk/tree_stage_inputs.hpp"
#include "gpu_stages.hpp"

namespace dmc::gpu {

namespace {

Status build_tree_r_last(const dmc_call *call, dmc_tree_r_last_args *args)
{
    TreeRLastInputs in;
    DMC_TRY_ASSIGN(in, open_tree_r_last_inputs(args));
    const SealProof *proof = in.proof;
    const SectorTreeLayout &layout = in.layout;
    const bool build_only = in.build_only;
    const bool have_data = in.have_data;
    const uint64_t n = layout.base_tree.leaves;
    const uint64_t work = n + (n - 1) / 7;
    const unsigned first_row = layout.rows_to_discard + 1;
    plugin::ProgressRelay progress(call, layout.base_tree_count * work);
    if (progress.cancelled()) return make_error(Errc::cancelled, "cancelled");

    // 1. The inputs (opened and checked by the sdk, as in every plugin); the
    // replica is encoded on the device below, chunk by chunk, into a temporary.
    const MappedFile &replica = in.replica, &key = in.key, &data = in.data;
    AtomicFileWriter replica_file;
    if (!build_only) {
        DMC_TRY_ASSIGN(replica_file, AtomicFileWriter::create(args->replica_path));
        DMC_TRY_VOID(replica_file.resize(proof->sector_size));
    }
    std::unique_ptr<TreeEngine> engine;
    DMC_TRY_ASSIGN(engine, open_engine(layout, first_row, 2));

    // 2. Encoding (unless BUILD_ONLY) and level-cache trees, base tree by base tree.
    std::vector<Fr> roots;
    std::vector<AtomicFileWriter> tree_files;
    for (uint32_t i = 0; i < layout.base_tree_count; ++i) {
        AtomicFileWriter file;
        DMC_TRY_ASSIGN(file, AtomicFileWriter::create(std::string(args->tree_dir) + "/" + layout.tree_r_last_files[i]));
        DMC_TRY_VOID(file.resize(layout.tree_r_last_file_bytes));
        TreeLeafSource source;
        source.first_node = i * n;
        if (build_only) {
            source.kind = TreeLeafSource::Kind::leaves;
            source.nodes = replica.data() + i * n * kNodeBytes;
        } else {
            source.kind = have_data ? TreeLeafSource::Kind::encode : TreeLeafSource::Kind::encode_cc;
            source.nodes = key.data() + i * n * kNodeBytes;
            source.data = have_data ? data.data() : nullptr;
            source.data_bytes = have_data ? data.size() : 0;
            source.replica = &replica_file;
        }
        Fr root;
        DMC_TRY_ASSIGN(root,
                       build_base_tree_gpu(*engine, source, layout.base_tree, first_row, file, progress, i * work));
        roots.push_back(root);
        tree_files.push_back(std::move(file));
    }
    Fr comm_r_last;
    DMC_TRY_ASSIGN(comm_r_last, compound_root(proof->shape, roots));

    // 3. Publish: replica first, then the trees that describe it.
    if (!build_only) DMC_TRY_VOID(replica_file.commit());
    for (auto &f : tree_files) DMC_TRY_VOID(f.commit());
    comm_r_last.to_bytes(args->comm_r_last);
    return {};
}

dmc_status run(const dmc_call *call, dmc_tree_r_last_args *args) noexcept
{
    return run_gpu_stage(call, "tree_r_last", [&] { return build_tree_r_last(call, args); });
}

} // namespace

const dmc_tree_r_last_ops kGpuTreeRLastOps = {sizeof(dmc_tree_r_last_ops), 0, &run};

} // namespace dmc::gpu
