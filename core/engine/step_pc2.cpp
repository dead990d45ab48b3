// SPDX-License-Identifier: Apache-2.0
//
// PC2 steps: tree_c and tree_r_last through the selected plugins, then
// comm_r_check, which computes comm_r = Poseidon2(comm_c, comm_r_last),
// writes p_aux, and compares CommD and CommR with the registered values:
// damocles never does this (defect R1); here a mismatch fails the sector
// permanently, with both values, before anything is persisted.
#include "damocles/sdk/aux_files.hpp"
#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/poseidon_tree.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "engine/seal_runner.hpp"
#include "engine/stage_call.hpp"

namespace dmc::core::engine {

Status step_tree_c(Engine &engine, SectorJob &job, VertexContext &ctx)
{
    StageHandle stage;
    DMC_TRY_ASSIGN(stage, engine.stage(DMC_STAGE_TREE_C));
    const std::string cache = job.cache_dir();
    dmc_tree_c_args args{};
    args.struct_size = sizeof args;
    args.registered_proof = job.proof->id;
    args.cache_dir = cache.c_str();
    StageCall call(ctx);
    DMC_TRY_VOID(call.result(stage.ops<dmc_tree_c_ops>()->run(call.get(), &args), "tree_c", stage.plugin_name()));
    Bytes32 comm_c;
    std::copy(args.comm_c, args.comm_c + 32, comm_c.begin());
    std::lock_guard lock(job.record_mutex);
    job.record.outputs.comm_c = comm_c;
    return {};
}

Status step_tree_r_last(Engine &engine, SectorJob &job, VertexContext &ctx)
{
    StageHandle stage;
    DMC_TRY_ASSIGN(stage, engine.stage(DMC_STAGE_TREE_R_LAST));
    SectorTreeLayout layout;
    DMC_TRY_ASSIGN(layout, sector_tree_layout(job.proof->sector_size));
    const std::string cache = job.cache_dir();
    const std::string layer = cache + "/" + layout.label_files.back();
    const std::string staged = job.staged_path();
    const std::string replica = job.replica_path();
    dmc_tree_r_last_args args{};
    args.struct_size = sizeof args;
    args.registered_proof = job.proof->id;
    args.rows_to_discard = layout.rows_to_discard;
    args.layer_path = layer.c_str();
    // A CC sector's data is all zero: the replica is the last layer.
    args.staged_path = job.pieces.empty() ? nullptr : staged.c_str();
    args.replica_path = replica.c_str();
    args.tree_dir = cache.c_str();
    if (job.spec.plan == Plan::cache_only) {
        // Cache-only repair: the replica survived; only its trees are rebuilt.
        DMC_TRY_VOID(make_dirs(cache));
        args.flags = DMC_TREE_R_BUILD_ONLY;
        args.layer_path = nullptr;
        args.staged_path = nullptr;
        args.replica_path = job.surviving_replica.c_str();
    }
    StageCall call(ctx);
    DMC_TRY_VOID(
        call.result(stage.ops<dmc_tree_r_last_ops>()->run(call.get(), &args), "tree_r_last", stage.plugin_name()));
    Bytes32 comm_r_last;
    std::copy(args.comm_r_last, args.comm_r_last + 32, comm_r_last.begin());
    std::lock_guard lock(job.record_mutex);
    job.record.outputs.comm_r_last = comm_r_last;
    return {};
}

Status step_comm_r_check(SectorJob &job, VertexContext &)
{
    TaskOutputs out;
    {
        std::lock_guard lock(job.record_mutex);
        out = job.record.outputs;
    }
    // A cache-only repair has no tree_c: comm_c is the registered one.
    if (job.spec.plan == Plan::cache_only) out.comm_c = job.expected_comm_c;
    if (!out.comm_c || !out.comm_r_last) return make_error(Errc::internal, "comm_r_check before tree_c/tree_r_last");
    Fr comm_c, comm_r_last;
    DMC_TRY_ASSIGN(comm_c, Fr::from_bytes(*out.comm_c));
    DMC_TRY_ASSIGN(comm_r_last, Fr::from_bytes(*out.comm_r_last));
    const Bytes32 comm_r = comm_r_from(comm_c, comm_r_last).to_bytes();

    auto sealed_cid = [](const Bytes32 &c) { return commitment_to_cid(c, CommitmentKind::sealed); };
    auto unsealed_cid = [](const Bytes32 &c) { return commitment_to_cid(c, CommitmentKind::unsealed); };
    if (job.expected_comm_d && out.comm_d && *out.comm_d != *job.expected_comm_d)
        return make_error(Errc::verify_failed, "comm_d mismatch: rebuilt " + unsealed_cid(*out.comm_d) +
                                                   ", registered " + unsealed_cid(*job.expected_comm_d));
    if (job.expected_comm_r_last && job.spec.plan == Plan::cache_only && *job.expected_comm_r_last != *out.comm_r_last)
        return make_error(Errc::verify_failed, "comm_r_last mismatch: the surviving sealed file gives " +
                                                   to_hex(*out.comm_r_last) + ", registered " +
                                                   to_hex(*job.expected_comm_r_last) + " (the sealed file is damaged)");
    if (job.expected_comm_c && *job.expected_comm_c != *out.comm_c)
        return make_error(Errc::verify_failed, "comm_c mismatch: rebuilt " + to_hex(*out.comm_c) + ", registered " +
                                                   to_hex(*job.expected_comm_c));
    if (job.expected_comm_r && *job.expected_comm_r != comm_r)
        return make_error(Errc::verify_failed, "comm_r mismatch: rebuilt " + sealed_cid(comm_r) + ", registered " +
                                                   sealed_cid(*job.expected_comm_r) +
                                                   " (the rebuilt replica is not the sector on chain)");
    DMC_TRY_VOID(write_p_aux(job.cache_dir(), PAux{comm_c, comm_r_last}));
    std::lock_guard lock(job.record_mutex);
    job.record.outputs.comm_c = out.comm_c;
    job.record.outputs.comm_r = comm_r;
    return {};
}

} // namespace dmc::core::engine
