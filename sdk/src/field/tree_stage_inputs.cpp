// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/tree_stage_inputs.hpp"

#include "damocles/sdk/replica_encoding.hpp"

namespace dmc {

namespace {

Status expect_size(const MappedFile &file, const char *path, uint64_t bytes)
{
    if (file.size() != bytes)
        return make_error(Errc::corrupt, std::string(path) + " has " + std::to_string(file.size()) +
                                             " bytes, expected " + std::to_string(bytes));
    return {};
}

} // namespace

Result<TreeCInputs> open_tree_c_inputs(const dmc_tree_c_args *args)
{
    if (!args || args->struct_size < sizeof(dmc_tree_c_args))
        return make_error(Errc::invalid_argument, "args struct is missing or too short");
    if (!args->cache_dir || !*args->cache_dir) return make_error(Errc::invalid_argument, "no cache_dir given");
    TreeCInputs in;
    DMC_TRY_ASSIGN(in.proof, find_seal_proof(args->registered_proof));
    DMC_TRY_ASSIGN(in.layout, sector_tree_layout(in.proof->sector_size));
    in.cache_dir = args->cache_dir;
    DMC_TRY_ASSIGN(in.layers, open_label_layers(in.cache_dir, in.layout));
    return in;
}

Result<TreeRLastInputs> open_tree_r_last_inputs(const dmc_tree_r_last_args *args)
{
    if (!args || args->struct_size < sizeof(dmc_tree_r_last_args))
        return make_error(Errc::invalid_argument, "args struct is missing or too short");
    if (!args->replica_path || !*args->replica_path || !args->tree_dir || !*args->tree_dir)
        return make_error(Errc::invalid_argument, "replica_path and tree_dir are required");
    TreeRLastInputs in;
    in.build_only = args->flags & DMC_TREE_R_BUILD_ONLY;
    if (!in.build_only && (!args->layer_path || !*args->layer_path))
        return make_error(Errc::invalid_argument, "layer_path is required to encode");
    DMC_TRY_ASSIGN(in.proof, find_seal_proof(args->registered_proof));
    DMC_TRY_ASSIGN(in.layout, sector_tree_layout(in.proof->sector_size, args->rows_to_discard));
    const uint64_t sector = in.proof->sector_size;
    if (in.build_only) {
        DMC_TRY_ASSIGN(in.replica, MappedFile::open_read(args->replica_path));
        DMC_TRY_VOID(expect_size(in.replica, args->replica_path, sector));
        in.replica.advise_sequential();
        return in;
    }
    DMC_TRY_ASSIGN(in.key, MappedFile::open_read(args->layer_path));
    DMC_TRY_VOID(expect_size(in.key, args->layer_path, in.layout.nodes * 32));
    in.key.advise_sequential();
    in.have_data = args->staged_path && *args->staged_path;
    if (in.have_data) {
        DMC_TRY_ASSIGN(in.data, MappedFile::open_read(args->staged_path));
        if (in.data.size() > sector)
            return make_error(Errc::invalid_argument, std::string(args->staged_path) + " is larger than the sector");
        in.data.advise_sequential();
    }
    return in;
}

Result<ReplicaForTrees> replica_for_trees(const dmc_tree_r_last_args *args, TreeRLastInputs &in,
                                          const std::function<bool(uint64_t)> &progress)
{
    ReplicaForTrees out;
    if (in.build_only) {
        out.mapped = std::move(in.replica);
        return out;
    }
    DMC_TRY_ASSIGN(out.file, AtomicFileWriter::create(args->replica_path));
    DMC_TRY_ASSIGN(out.mapped, MappedFile::open_rw(out.file.temp_path(), in.proof->sector_size));
    DMC_TRY_VOID(encode_replica_chunked(in.key.data(), in.have_data ? in.data.data() : nullptr,
                                        in.have_data ? in.data.size() : 0, out.mapped.mutable_data(), in.layout.nodes,
                                        progress));
    return out;
}

Status publish_replica(ReplicaForTrees &replica)
{
    if (replica.file.temp_path().empty()) return {}; // build_only: nothing written
    DMC_TRY_VOID(replica.mapped.sync());
    replica.mapped = MappedFile();
    return replica.file.commit();
}

} // namespace dmc
