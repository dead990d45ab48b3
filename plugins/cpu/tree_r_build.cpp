// SPDX-License-Identifier: Apache-2.0
#include "tree_r_build.hpp"

#include "damocles/sdk/poseidon_tree.hpp"

namespace dmc::cpu {

Result<TreeRBuild> build_tree_r_last_files(const SealProof &proof, const SectorTreeLayout &layout,
                                           const uint8_t *replica, const std::string &tree_dir, unsigned threads,
                                           plugin::ProgressRelay &progress, uint64_t base)
{
    const uint64_t n = layout.base_tree.leaves;
    const uint64_t tree_hashes = layout.base_tree.total_nodes() - n;
    const unsigned first_row = layout.rows_to_discard + 1;
    TreeRBuild out;
    std::vector<Fr> roots;
    for (uint32_t i = 0; i < layout.base_tree_count; ++i) {
        AtomicFileWriter file;
        DMC_TRY_ASSIGN(file, AtomicFileWriter::create(tree_dir + "/" + layout.tree_r_last_files[i]));
        MappedFile rows;
        DMC_TRY_ASSIGN(rows, MappedFile::open_rw(file.temp_path(), layout.tree_r_last_file_bytes));
        TreeBuildOptions opts;
        opts.threads = threads ? threads : 1;
        opts.cancel = progress.cancel_flag();
        const uint64_t at = base + i * tree_hashes;
        opts.progress = [&](uint64_t done, uint64_t) { progress.report(at, done); };
        Fr root;
        DMC_TRY_ASSIGN(root, build_base_tree(replica + i * n * 32, n, rows.mutable_data(), first_row, opts));
        DMC_TRY_VOID(rows.sync());
        roots.push_back(root);
        out.files.push_back(std::move(file));
    }
    DMC_TRY_ASSIGN(out.root, compound_root(proof.shape, roots));
    return out;
}

} // namespace dmc::cpu
