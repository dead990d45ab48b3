// SPDX-License-Identifier: Apache-2.0
//
// tree_r_last stage of the avx512 plugin (poseidon-trees-snap.md §3.6, §4):
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
#include "damocles/sdk/replica_encoding.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "stage_common.hpp"
#include "tree_builder_ifma.hpp"

namespace dmc::avx512 {

namespace {

Status build_tree_r_last(const dmc_call *call, dmc_tree_r_last_args *args)
{
    if (!args || args->struct_size < sizeof(dmc_tree_r_last_args))
        return make_error(Errc::invalid_argument, "args struct is missing or too short");
    if (!args->replica_path || !args->tree_dir)
        return make_error(Errc::invalid_argument, "replica_path and tree_dir are required");
    const bool build_only = args->flags & DMC_TREE_R_BUILD_ONLY;
    if (!build_only && !args->layer_path) return make_error(Errc::invalid_argument, "layer_path is required to encode");
    const SealProof *proof;
    DMC_TRY_ASSIGN(proof, find_seal_proof(args->registered_proof));
    SectorTreeLayout layout;
    DMC_TRY_ASSIGN(layout, sector_tree_layout(proof->sector_size, args->rows_to_discard));
    const uint64_t nodes = layout.nodes;
    const uint64_t n = layout.base_tree.leaves;
    const uint64_t encode_units = build_only ? 0 : nodes;
    const uint64_t work = ifma_tree_work(n, false);
    ProgressRelay progress(call, encode_units + layout.base_tree_count * work);
    if (progress.cancelled()) return make_error(Errc::cancelled, "cancelled");

    // 1. The replica: encoded into a temporary, or the existing file.
    AtomicFileWriter replica_file;
    MappedFile replica;
    if (build_only) {
        DMC_TRY_ASSIGN(replica, MappedFile::open_read(args->replica_path));
        if (replica.size() != proof->sector_size)
            return make_error(Errc::corrupt, std::string(args->replica_path) + " has " + std::to_string(replica.size()) +
                                                 " bytes, expected " + std::to_string(proof->sector_size));
    } else {
        MappedFile key;
        DMC_TRY_ASSIGN(key, MappedFile::open_read(args->layer_path));
        if (key.size() != nodes * 32)
            return make_error(Errc::corrupt, std::string(args->layer_path) + " has " + std::to_string(key.size()) +
                                                 " bytes, expected " + std::to_string(nodes * 32));
        key.advise_sequential();
        MappedFile data;
        const bool have_data = args->staged_path && *args->staged_path;
        if (have_data) {
            DMC_TRY_ASSIGN(data, MappedFile::open_read(args->staged_path));
            if (data.size() > proof->sector_size)
                return make_error(Errc::invalid_argument, std::string(args->staged_path) + " is larger than the sector");
        }
        DMC_TRY_ASSIGN(replica_file, AtomicFileWriter::create(args->replica_path));
        DMC_TRY_ASSIGN(replica, MappedFile::open_rw(replica_file.temp_path(), proof->sector_size));
        DMC_TRY_VOID(encode_replica_chunked(key.data(), have_data ? data.data() : nullptr, have_data ? data.size() : 0,
                                            replica.mutable_data(), nodes, [&](uint64_t done) {
                                                progress.report(done);
                                                return !progress.cancelled();
                                            }));
    }

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
    if (!build_only) {
        DMC_TRY_VOID(replica.sync());
        replica = MappedFile();
        DMC_TRY_VOID(replica_file.commit());
    }
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
