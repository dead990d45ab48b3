// SPDX-License-Identifier: Apache-2.0
//
// snap_vanilla stage of the cpu plugin (docs/algorithms.md §13.4): the
// vanilla partition proofs of a sector update — for every partition its apex
// leafs and, per challenge, the tree_r_old / tree_d_new / tree_r_new
// inclusion proofs — written in the sdk's snap proof file format for the
// host to verify against comm_r_old, comm_d_new and comm_r_new.
#include <string>

#include "cpu_stages.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/poseidon_tree.hpp"
#include "damocles/sdk/sealed_sector.hpp"
#include "damocles/sdk/snap_proof_file.hpp"
#include "damocles/sdk/stage_support.hpp"

namespace dmc::cpu {

namespace {

Result<Fr> fr_of(const uint8_t *bytes32) { return Fr::from_bytes(std::span<const uint8_t>(bytes32, 32)); }

Status prove(const dmc_call *call, dmc_snap_vanilla_args *args)
{
    if (args->struct_size < sizeof(dmc_snap_vanilla_args))
        return make_error(Errc::invalid_argument, "args struct too short");
    if (!args->sector_key_path || !args->old_cache_dir || !args->new_replica_path || !args->new_cache_dir ||
        !args->proofs_path)
        return make_error(Errc::invalid_argument, "every path argument is required");
    const SealProof *proof;
    DMC_TRY_ASSIGN(proof, find_seal_proof(args->registered_proof));
    SnapParams params;
    DMC_TRY_ASSIGN(params, snap_params(proof->nodes()));
    SealedSectorFiles old_files, new_files;
    DMC_TRY_ASSIGN(old_files, SealedSectorFiles::open(*proof, args->old_cache_dir, args->sector_key_path, false));
    DMC_TRY_ASSIGN(new_files, SealedSectorFiles::open(*proof, args->new_cache_dir, args->new_replica_path, false));
    MappedFile tree_d;
    const std::string tree_d_path = std::string(args->new_cache_dir) + "/" + tree_d_file_name();
    DMC_TRY_ASSIGN(tree_d, MappedFile::open_read(tree_d_path));
    if (tree_d.size() != old_files.layout().tree_d_file_bytes)
        return make_error(Errc::corrupt, tree_d_path + " has the wrong size");

    SnapProofFile out;
    out.proof_id = proof->id;
    out.h = params.h_default;
    Fr comm_c, last_old, last_new;
    DMC_TRY_ASSIGN(comm_c, fr_of(args->comm_c));
    DMC_TRY_ASSIGN(last_old, fr_of(args->comm_r_last_old));
    DMC_TRY_ASSIGN(last_new, fr_of(args->comm_r_last_new));
    out.comm_r_old = comm_r_from(comm_c, last_old);
    out.comm_r_new = comm_r_from(comm_c, last_new);
    std::copy(args->comm_d_new, args->comm_d_new + 32, out.comm_d_new.begin());

    SnapProverInputs prover;
    prover.shape = proof->shape;
    prover.base_tree_leaves = old_files.layout().base_tree.leaves;
    prover.comm_c = comm_c;
    prover.tree_r_old = old_files.view().tree_r_last;
    prover.sector_key = old_files.view().replica;
    prover.tree_r_new = new_files.view().tree_r_last;
    prover.new_replica = new_files.view().replica;
    prover.tree_d_new = tree_d.bytes();
    for (uint32_t k = 0; k < params.partitions; ++k) {
        if (plugin::cancel_requested(call)) return make_error(Errc::cancelled, "cancelled");
        SnapPublicInputs inputs{k, out.comm_r_old, out.comm_d_new, out.comm_r_new, out.h};
        SnapPartitionProof p;
        DMC_TRY_ASSIGN(p, snap_prove_partition(params, inputs, prover));
        out.partitions.push_back(std::move(p));
        if (call->progress) call->progress(call->progress_user, k + 1, params.partitions);
    }
    return write_file_atomic(args->proofs_path, serialize_snap_proofs(out));
}

dmc_status run(const dmc_call *call, dmc_snap_vanilla_args *args)
{
    return plugin::run_stage(call, "snap_vanilla", [&] { return prove(call, args); });
}

} // namespace

const dmc_snap_vanilla_ops kCpuSnapVanillaOps = {sizeof(dmc_snap_vanilla_ops), 0, run};

} // namespace dmc::cpu
