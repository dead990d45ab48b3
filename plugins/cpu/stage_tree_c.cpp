// SPDX-License-Identifier: Apache-2.0
//
// tree_c stage of the cpu plugin (docs/algorithms.md §10.5): column hashes
// over all layer files, one arity-8 Poseidon base tree per base range written
// in the full layout (sc-02-data-tree-c[-i].dat), comm_c = compound root.
// Each file is built in a memory-mapped temporary and renamed into place
// after fsync, so a crash never leaves a half-written tree-c file.
#include <string>
#include <vector>

#include "cpu_stages.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/poseidon_tree.hpp"
#include "damocles/sdk/stage_support.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "damocles/sdk/tree_stage_inputs.hpp"

namespace dmc::cpu {

namespace {

Status build_tree_c(const dmc_call *call, dmc_tree_c_args *args)
{
    TreeCInputs in;
    DMC_TRY_ASSIGN(in, open_tree_c_inputs(args));
    const SealProof *proof = in.proof;
    const SectorTreeLayout &layout = in.layout;
    const std::string &dir = in.cache_dir;
    const std::vector<MappedFile> &layers = in.layers;

    const uint64_t n = layout.base_tree.leaves;
    const uint64_t tree_hashes = layout.base_tree.total_nodes() - n;
    plugin::ProgressRelay progress(call, layout.base_tree_count * (n + tree_hashes));
    std::vector<Fr> roots;
    for (uint32_t i = 0; i < layout.base_tree_count; ++i) {
        const uint64_t base = i * (n + tree_hashes);
        const std::string path = dir + "/" + layout.tree_c_files[i];
        AtomicFileWriter file;
        DMC_TRY_ASSIGN(file, AtomicFileWriter::create(path));
        MappedFile out;
        DMC_TRY_ASSIGN(out, MappedFile::open_rw(file.temp_path(), layout.tree_c_file_bytes));

        std::vector<const uint8_t *> columns;
        for (const auto &m : layers) columns.push_back(m.data() + i * n * 32);
        TreeBuildOptions opts;
        opts.threads = call->threads ? call->threads : 1;
        opts.cancel = progress.cancel_flag();
        opts.progress = [&](uint64_t done, uint64_t) { progress.report(base, done); };
        DMC_TRY_VOID(hash_columns(columns, n, out.mutable_data(), opts));
        opts.progress = [&](uint64_t done, uint64_t) { progress.report(base + n, done); };
        Fr root;
        DMC_TRY_ASSIGN(root, build_base_tree(out.mutable_data(), n, out.mutable_data(), 0, opts));
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

dmc_status run(const dmc_call *call, dmc_tree_c_args *args)
{
    return plugin::run_stage(call, "tree_c", [&] { return build_tree_c(call, args); });
}

} // namespace

const dmc_tree_c_ops kCpuTreeCOps = {sizeof(dmc_tree_c_ops), 0, run};

} // namespace dmc::cpu
