// SPDX-License-Identifier: Apache-2.0
//
// tree_r_last stage of the cpu plugin (poseidon-trees-snap.md §3.6, §4):
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
#include "damocles/sdk/replica_encoding.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "damocles/sdk/stage_support.hpp"
#include "tree_r_build.hpp"

namespace dmc::cpu {

namespace {

Status build_tree_r_last(const dmc_call *call, dmc_tree_r_last_args *args)
{
    if (args->struct_size < sizeof(dmc_tree_r_last_args))
        return make_error(Errc::invalid_argument, "args struct too short");
    if (!args->replica_path || !args->tree_dir) return make_error(Errc::invalid_argument, "replica_path and tree_dir are required");
    const bool build_only = args->flags & DMC_TREE_R_BUILD_ONLY;
    if (!build_only && !args->layer_path) return make_error(Errc::invalid_argument, "layer_path is required to encode");
    const SealProof *proof;
    DMC_TRY_ASSIGN(proof, find_seal_proof(args->registered_proof));
    SectorTreeLayout layout;
    DMC_TRY_ASSIGN(layout, sector_tree_layout(proof->sector_size, args->rows_to_discard));
    const uint64_t nodes = layout.nodes;
    const uint64_t tree_hashes = layout.base_tree.total_nodes() - layout.base_tree.leaves;
    plugin::ProgressRelay progress(call, (build_only ? 0 : nodes) + layout.base_tree_count * tree_hashes);

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
        MappedFile data;
        bool have_data = args->staged_path && *args->staged_path;
        if (have_data) {
            DMC_TRY_ASSIGN(data, MappedFile::open_read(args->staged_path));
            if (data.size() > proof->sector_size)
                return make_error(Errc::invalid_argument, std::string(args->staged_path) + " is larger than the sector");
        }
        DMC_TRY_ASSIGN(replica_file, AtomicFileWriter::create(args->replica_path));
        DMC_TRY_ASSIGN(replica, MappedFile::open_rw(replica_file.temp_path(), proof->sector_size));
        DMC_TRY_VOID(encode_replica_chunked(key.data(), have_data ? data.data() : nullptr, have_data ? data.size() : 0,
                                            replica.mutable_data(), nodes, [&](uint64_t done) {
                                                progress.report(0, done);
                                                return !progress.cancelled();
                                            }));
    }

    // 2. Level-cache trees over the replica.
    TreeRBuild trees;
    DMC_TRY_ASSIGN(trees, build_tree_r_last_files(*proof, layout, replica.data(), args->tree_dir, call->threads,
                                                  progress, build_only ? 0 : nodes));

    // 3. Publish: replica first, then the trees that describe it.
    if (!build_only) {
        DMC_TRY_VOID(replica.sync());
        replica = MappedFile();
        DMC_TRY_VOID(replica_file.commit());
    }
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
