// SPDX-License-Identifier: Apache-2.0
//
// tree_c stage of the gpu plugin (docs/algorithms.md §10.5): column hashes
// over all layer files and one arity-8 Poseidon base tree per base range, both
// on the GPU (tree_stream.cpp), written in the full layout
// (sc-02-data-tree-c[-i].dat); comm_c = compound root (sdk, on the host: at
// most 16 roots). As in the cpu stage, each file is written to a temporary in
// the cache dir, fsynced and renamed into place, so a crash or a failed
// kernel never leaves a half-written tree-c file.
#include <string>
#include <vector>

#include "damocles/sdk/file.hpp"
#include "damocles/sdk/poseidon_tree.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "damocles/sdk/tree_stage_inputs.hpp"
#include "gpu_stages.hpp"

namespace dmc::gpu {

namespace {

Status build_tree_c(const dmc_call *call, dmc_tree_c_args *args)
{
    TreeCInputs in;
    DMC_TRY_ASSIGN(in, open_tree_c_inputs(args));
    const SealProof *proof = in.proof;
    const SectorTreeLayout &layout = in.layout;
    const std::string &dir = in.cache_dir;
    const std::vector<MappedFile> &layers = in.layers;
    if (layout.column_arity != 2 && layout.column_arity != 11)
        return make_error(Errc::unsupported, "column hashes of " + std::to_string(layout.column_arity) +
                                                 " layers are not implemented by the gpu plugin");

    const uint64_t n = layout.base_tree.leaves;
    const uint64_t work = n + (n - 1) / 7;
    plugin::ProgressRelay progress(call, layout.base_tree_count * work);
    if (progress.cancelled()) return make_error(Errc::cancelled, "cancelled");
    std::unique_ptr<TreeEngine> engine;
    DMC_TRY_ASSIGN(engine, open_engine(layout, 0, layout.column_arity));

    std::vector<Fr> roots;
    for (uint32_t i = 0; i < layout.base_tree_count; ++i) {
        AtomicFileWriter file;
        DMC_TRY_ASSIGN(file, AtomicFileWriter::create(dir + "/" + layout.tree_c_files[i]));
        DMC_TRY_VOID(file.resize(layout.tree_c_file_bytes));
        TreeLeafSource source;
        source.kind = TreeLeafSource::Kind::columns;
        for (const auto &m : layers) source.layers.push_back(m.data() + i * n * kNodeBytes);
        Fr root;
        DMC_TRY_ASSIGN(root, build_base_tree_gpu(*engine, source, layout.base_tree, 0, file, progress, i * work));
        DMC_TRY_VOID(file.commit());
        roots.push_back(root);
        if (progress.cancelled()) return make_error(Errc::cancelled, "cancelled");
    }
    Fr comm_c;
    DMC_TRY_ASSIGN(comm_c, compound_root(proof->shape, roots));
    comm_c.to_bytes(args->comm_c);
    return {};
}

dmc_status run(const dmc_call *call, dmc_tree_c_args *args) noexcept
{
    return run_gpu_stage(call, "tree_c", [&] { return build_tree_c(call, args); });
}

} // namespace

const dmc_tree_c_ops kGpuTreeCOps = {sizeof(dmc_tree_c_ops), 0, &run};

} // namespace dmc::gpu
