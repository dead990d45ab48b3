// SPDX-License-Identifier: Apache-2.0
//
// SnapDeals steps of a snap sector's rebuild (docs/architecture.md §4), after its
// CC replica was rebuilt and checked against the registered old CommR:
// stage the new pieces, build tree_d over them (CommD_new), encode the new
// replica with the selected snap_encode stage, compare comm_r_new with the
// registered one before anything is persisted (a mismatch fails the sector
// with both values), then prove and verify the update's vanilla partition
// proofs in the host.
#include <filesystem>

#include "damocles/sdk/aux_files.hpp"
#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/poseidon_tree.hpp"
#include "damocles/sdk/snap_proof_file.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "engine/seal_runner.hpp"
#include "engine/stage_call.hpp"

namespace dmc::core::engine {

namespace {

std::string unsealed_cid(const Bytes32 &c) { return commitment_to_cid(c, CommitmentKind::unsealed); }
std::string sealed_cid(const Bytes32 &c) { return commitment_to_cid(c, CommitmentKind::sealed); }

TaskOutputs outputs_of(SectorJob &job)
{
    std::lock_guard lock(job.record_mutex);
    return job.record.outputs;
}

} // namespace

Status step_add_new_pieces(SectorJob &job, VertexContext &ctx)
{
    if (!job.snap) return make_error(Errc::internal, job.sector_id() + ": snap step without snap inputs");
    Bytes32 comm_d_new;
    DMC_TRY_ASSIGN(comm_d_new, stage_pieces(job.snap_staged_path(), job.snap->pieces, job.proof->sector_size, ctx));
    std::lock_guard lock(job.record_mutex);
    job.record.outputs.comm_d_new = comm_d_new;
    return {};
}

Status step_tree_d_new(Engine &engine, SectorJob &job, VertexContext &ctx)
{
    Bytes32 root;
    DMC_TRY_ASSIGN(root, run_tree_d(engine, job, job.snap_staged_path(), job.update_cache_dir(), ctx));
    std::lock_guard lock(job.record_mutex);
    auto &out = job.record.outputs;
    if (out.comm_d_new && *out.comm_d_new != root)
        return make_error(Errc::verify_failed, "tree_d_new root " + unsealed_cid(root) +
                                                   " differs from the CommD of the new pieces " +
                                                   unsealed_cid(*out.comm_d_new));
    if (job.snap->expected_comm_d_new && *job.snap->expected_comm_d_new != root)
        return make_error(Errc::verify_failed, "comm_d_new mismatch: rebuilt " + unsealed_cid(root) + ", registered " +
                                                   unsealed_cid(*job.snap->expected_comm_d_new));
    out.comm_d_new = root;
    return {};
}

Status step_snap_encode(Engine &engine, SectorJob &job, VertexContext &ctx)
{
    StageHandle stage;
    DMC_TRY_ASSIGN(stage, engine.stage(DMC_STAGE_SNAP_ENCODE));
    const TaskOutputs out = outputs_of(job);
    if (!out.comm_c || !out.comm_r || !out.comm_d_new)
        return make_error(Errc::internal, "snap_encode before its inputs");
    SectorTreeLayout layout;
    DMC_TRY_ASSIGN(layout, sector_tree_layout(job.proof->sector_size));
    const std::string key = job.replica_path(), staged = job.snap_staged_path(), replica = job.update_path(),
                      cache = job.update_cache_dir();
    dmc_snap_encode_args args{};
    args.struct_size = sizeof args;
    args.rows_to_discard = layout.rows_to_discard;
    args.registered_proof = job.proof->id;
    std::copy(out.comm_d_new->begin(), out.comm_d_new->end(), args.comm_d_new);
    std::copy(out.comm_r->begin(), out.comm_r->end(), args.comm_r_old);
    args.sector_key_path = key.c_str();
    args.staged_path = staged.c_str();
    args.new_replica_path = replica.c_str();
    args.new_cache_dir = cache.c_str();
    StageCall call(ctx);
    DMC_TRY_VOID(
        call.result(stage.ops<dmc_snap_encode_ops>()->run(call.get(), &args), "snap_encode", stage.plugin_name()));
    Bytes32 last_new;
    std::copy(args.comm_r_last_new, args.comm_r_last_new + 32, last_new.begin());
    Fr comm_c, comm_r_last_new;
    DMC_TRY_ASSIGN(comm_c, Fr::from_bytes(*out.comm_c));
    DMC_TRY_ASSIGN(comm_r_last_new, Fr::from_bytes(last_new));
    const Bytes32 comm_r_new = comm_r_from(comm_c, comm_r_last_new).to_bytes();
    if (job.snap->expected_comm_r_new && *job.snap->expected_comm_r_new != comm_r_new)
        return make_error(Errc::verify_failed, "comm_r_new mismatch: rebuilt " + sealed_cid(comm_r_new) +
                                                   ", registered " + sealed_cid(*job.snap->expected_comm_r_new) +
                                                   " (the updated replica is not the sector on chain)");
    DMC_TRY_VOID(write_p_aux(cache, PAux{comm_c, comm_r_last_new}));
    std::lock_guard lock(job.record_mutex);
    job.record.outputs.comm_r_last_new = last_new;
    job.record.outputs.comm_r_new = comm_r_new;
    return {};
}

Status step_snap_check(Engine &engine, SectorJob &job, VertexContext &ctx)
{
    StageHandle stage;
    DMC_TRY_ASSIGN(stage, engine.stage(DMC_STAGE_SNAP_VANILLA));
    const TaskOutputs out = outputs_of(job);
    if (!out.comm_c || !out.comm_r_last || !out.comm_r_last_new || !out.comm_d_new || !out.comm_r || !out.comm_r_new)
        return make_error(Errc::internal, "snap_check before snap_encode");
    SectorTreeLayout layout;
    DMC_TRY_ASSIGN(layout, sector_tree_layout(job.proof->sector_size));
    const std::string key = job.replica_path(), old_cache = job.cache_dir(), replica = job.update_path(),
                      cache = job.update_cache_dir(), proofs_path = job.work_dir + "/snap-vanilla.proofs";
    dmc_snap_vanilla_args args{};
    args.struct_size = sizeof args;
    args.rows_to_discard = layout.rows_to_discard;
    args.registered_proof = job.proof->id;
    std::copy(out.comm_c->begin(), out.comm_c->end(), args.comm_c);
    std::copy(out.comm_r_last->begin(), out.comm_r_last->end(), args.comm_r_last_old);
    std::copy(out.comm_r_last_new->begin(), out.comm_r_last_new->end(), args.comm_r_last_new);
    std::copy(out.comm_d_new->begin(), out.comm_d_new->end(), args.comm_d_new);
    args.sector_key_path = key.c_str();
    args.old_cache_dir = old_cache.c_str();
    args.new_replica_path = replica.c_str();
    args.new_cache_dir = cache.c_str();
    args.proofs_path = proofs_path.c_str();
    StageCall call(ctx);
    Status proved =
        call.result(stage.ops<dmc_snap_vanilla_ops>()->run(call.get(), &args), "snap_vanilla", stage.plugin_name());
    if (!proved) return proved.error().context("update proof check failed");
    std::vector<uint8_t> bytes;
    DMC_TRY_ASSIGN(bytes, read_file(proofs_path));
    std::error_code ec;
    std::filesystem::remove(proofs_path, ec);
    SnapProofFile file;
    DMC_TRY_ASSIGN(file, parse_snap_proofs(bytes));
    SnapParams params;
    DMC_TRY_ASSIGN(params, snap_params(job.proof->nodes()));
    // The public inputs are ours, not the file's: the proofs must prove them.
    Fr comm_r_old, comm_r_new;
    DMC_TRY_ASSIGN(comm_r_old, Fr::from_bytes(*out.comm_r));
    DMC_TRY_ASSIGN(comm_r_new, Fr::from_bytes(*out.comm_r_new));
    if (file.partitions.size() != params.partitions)
        return make_error(Errc::verify_failed, "update proof check failed: " + std::to_string(file.partitions.size()) +
                                                   " partition proofs, expected " + std::to_string(params.partitions));
    for (uint32_t k = 0; k < params.partitions; ++k) {
        SnapPublicInputs inputs{k, comm_r_old, *out.comm_d_new, comm_r_new, params.h_default};
        bool ok;
        DMC_TRY_ASSIGN(
            ok, snap_verify_partition(params, job.proof->shape, layout.base_tree.leaves, inputs, file.partitions[k]));
        if (!ok)
            return make_error(Errc::verify_failed,
                              "generated an invalid update proof (partition " + std::to_string(k) + ")");
    }
    return {};
}

} // namespace dmc::core::engine
