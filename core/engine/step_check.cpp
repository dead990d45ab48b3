// SPDX-License-Identifier: Apache-2.0
//
// check_sealed (damocles' CheckSealed = C1 with the ticket as seed): derive
// the PoRep challenges of every partition (interactive, non-interactive or
// synthetic: check_challenges.hpp), have the selected porep_vanilla stage
// prove them from the sealed files, and verify every proof here, in the
// host, against CommD and the CommR just checked — so a plugin cannot vouch
// for its own output. A synthetic-PoRep sector then gets its synthetic
// proofs file (step_synthetic.cpp), which must hold exactly the proofs the
// stage made for the challenges the ticket selects.
#include <filesystem>

#include "damocles/core/internal/check_challenges.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/synthetic_proofs.hpp"
#include "damocles/sdk/vanilla_porep.hpp"
#include "engine/seal_runner.hpp"
#include "engine/stage_call.hpp"

namespace dmc::core::engine {

Status step_check_sealed(Engine &engine, SectorJob &job, VertexContext &ctx)
{
    StageHandle stage;
    DMC_TRY_ASSIGN(stage, engine.stage(DMC_STAGE_POREP_VANILLA));
    TaskOutputs out;
    {
        std::lock_guard lock(job.record_mutex);
        out = job.record.outputs;
    }
    if (!out.replica_id || !out.comm_d || !out.comm_r) return make_error(Errc::internal, "check_sealed before PC2");
    const SealProof &proof = *job.proof;
    std::vector<uint64_t> challenges = check_sealed_challenges(proof, *out.replica_id, job.ticket, *out.comm_r);
    const std::string cache = job.cache_dir();
    const std::string replica = job.replica_path();
    const std::string proofs_path = job.work_dir + "/porep-vanilla.proofs";
    dmc_porep_vanilla_args args{};
    args.struct_size = sizeof args;
    args.num_challenges = static_cast<uint32_t>(challenges.size());
    args.registered_proof = proof.id;
    std::copy(out.replica_id->begin(), out.replica_id->end(), args.replica_id);
    args.challenges = challenges.data();
    args.cache_dir = cache.c_str();
    args.replica_path = replica.c_str();
    args.proofs_path = proofs_path.c_str();
    StageCall call(ctx);
    Status proved =
        call.result(stage.ops<dmc_porep_vanilla_ops>()->run(call.get(), &args), "porep_vanilla", stage.plugin_name());
    if (!proved) return proved.error().context("CheckSealed failed");
    std::vector<uint8_t> bytes;
    DMC_TRY_ASSIGN(bytes, read_file(proofs_path));
    std::error_code ec;
    std::filesystem::remove(proofs_path, ec);
    VanillaPorepProofs proofs;
    DMC_TRY_ASSIGN(proofs, parse_vanilla_proofs(bytes));
    Status st = verify_vanilla_proofs(proof, SdrGraph::for_proof(proof), proofs, *out.replica_id, *out.comm_d,
                                      *out.comm_r, challenges);
    if (!st) return st.error().context("CheckSealed failed");
    if (proof.feature != ProofFeature::synthetic_porep) return {};
    DMC_TRY_VOID(write_synthetic_proofs(job, ctx));
    // The file, read back as C1 reads it, holds the stage's proofs.
    const std::string file = job.cache_dir() + "/" + kSyntheticProofsFileName;
    VanillaPorepProofs selected;
    DMC_TRY_ASSIGN(selected, read_synthetic_proofs(proof, file, *out.replica_id,
                                                   synthetic_check_indexes(proof, *out.replica_id, job.ticket)));
    for (size_t i = 0; i < challenges.size(); ++i) {
        std::vector<uint8_t> from_file, from_stage;
        DMC_TRY_VOID(append_synthetic_proof_record(from_file, proof, selected.proofs.at(i)));
        DMC_TRY_VOID(append_synthetic_proof_record(from_stage, proof, proofs.proofs.at(i)));
        if (from_file != from_stage)
            return make_error(Errc::verify_failed,
                              "the synthetic proofs file disagrees with the porep_vanilla stage at "
                              "challenge " +
                                  std::to_string(challenges[i]));
    }
    return {};
}

} // namespace dmc::core::engine
