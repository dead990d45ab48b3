// SPDX-License-Identifier: Apache-2.0
//
// tree_c stage of the avx512 plugin (docs/algorithms.md §10.5): column
// hashes over all layer files and one arity-8 Poseidon base tree per base
// range, both with the 8-lane IFMA Poseidon (tree_builder_ifma.cpp), written
// in the full layout (sc-02-data-tree-c[-i].dat); comm_c = compound root
// (sdk). Files are built in a memory-mapped temporary and renamed into place
// after fsync, as the cpu stage does.
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
                                                 " layers are not implemented by the avx512 plugin");

    const uint64_t n = layout.base_tree.leaves;
    const uint64_t work = ifma_tree_work(n, true);
    ProgressRelay progress(call, layout.base_tree_count * work);
    if (progress.cancelled()) return make_error(Errc::cancelled, "cancelled");
    std::vector<Fr> roots;
    for (uint32_t i = 0; i < layout.base_tree_count; ++i) {
        const std::string path = dir + "/" + layout.tree_c_files[i];
        AtomicFileWriter file;
        DMC_TRY_ASSIGN(file, AtomicFileWriter::create(path));
        MappedFile out;
        DMC_TRY_ASSIGN(out, MappedFile::open_rw(file.temp_path(), layout.tree_c_file_bytes));

        std::vector<const uint8_t *> columns;
        for (const auto &m : layers) columns.push_back(m.data() + i * n * 32);
        IfmaTreeOptions opts;
        opts.threads = call->threads ? call->threads : 1;
        opts.cancel = progress.cancel_flag();
        opts.progress = [&](uint64_t done) { progress.report(i * work + done); };
        Fr root;
        DMC_TRY_ASSIGN(root, build_base_tree_ifma(TreeLeaves{columns, nullptr}, n, out.mutable_data(), 0, opts));
        DMC_TRY_VOID(out.sync());
        out = MappedFile();
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
    return run_stage(call, "tree_c", [&] { return build_tree_c(call, args); });
}

} // namespace

extern const dmc_tree_c_ops kAvx512TreeCOps = {sizeof(dmc_tree_c_ops), 0, &run};

} // namespace dmc::avx512
