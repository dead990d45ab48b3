// SPDX-License-Identifier: Apache-2.0
#include "damocles/core/internal/rebuild_job.hpp"

#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/proof.hpp"

#include <spdlog/spdlog.h>

namespace dmc::core {

Result<std::unique_ptr<SectorJob>> make_rebuild_job(const SectorRecord &s, const std::string &work_dir,
                                                    const PieceSources &sources, const std::string &surviving_replica)
{
    auto job = std::make_unique<SectorJob>();
    DMC_TRY_ASSIGN(job->proof, find_seal_proof(s.proof_id));
    if (!s.ticket) return make_error(Errc::invalid_argument, "invalid ticket info");
    job->ticket = *s.ticket;
    job->work_dir = work_dir;
    Bytes32 comm_d, comm_r;
    DMC_TRY_ASSIGN(comm_d, cid_to_commitment(s.comm_d, CommitmentKind::unsealed));
    DMC_TRY_ASSIGN(comm_r, cid_to_commitment(s.comm_r, CommitmentKind::sealed));
    job->expected_comm_d = comm_d;
    job->expected_comm_r = comm_r;
    job->expected_comm_c = s.comm_c;
    job->expected_comm_r_last = s.comm_r_last;
    if (!surviving_replica.empty() && !s.upgraded) {
        if (s.comm_c && s.comm_r_last) {
            // Cache-only repair: no pieces, no PC1/PC2; tree_r_last from the
            // sealed file must give back the registered comm_r.
            job->surviving_replica = surviving_replica;
            job->spec = {s.key.miner, s.key.number, s.proof_id, Plan::cache_only};
            spdlog::info("{}: sealed file {} survived: cache-only repair", sector_id_string(s.key), surviving_replica);
            return job;
        }
        spdlog::warn("{}: the sealed file survived but no comm_c/comm_r_last is registered: falling back to a full "
                     "rebuild", sector_id_string(s.key));
    }
    for (const auto &p : s.pieces) {
        JobPiece jp;
        DMC_TRY_ASSIGN(jp, fetch_piece(p, sources, work_dir + "/pieces"));
        job->pieces.push_back(std::move(jp));
    }
    Plan plan = s.pieces.empty() ? Plan::cc : Plan::deal;
    if (s.upgraded) {
        if (!s.snap || !s.snap->comm_r_new || !s.snap->comm_d_new)
            return make_error(Errc::invalid_argument, "unavailable upgrade public info");
        SnapJob snap;
        Bytes32 d_new, r_new;
        DMC_TRY_ASSIGN(d_new, cid_to_commitment(*s.snap->comm_d_new, CommitmentKind::unsealed));
        DMC_TRY_ASSIGN(r_new, cid_to_commitment(*s.snap->comm_r_new, CommitmentKind::sealed));
        snap.expected_comm_d_new = d_new;
        snap.expected_comm_r_new = r_new;
        for (const auto &p : s.snap->pieces) {
            JobPiece jp;
            DMC_TRY_ASSIGN(jp, fetch_piece(p, sources, work_dir + "/pieces"));
            snap.pieces.push_back(std::move(jp));
        }
        job->snap = std::move(snap);
        plan = Plan::snap;
    }
    job->spec = {s.key.miner, s.key.number, s.proof_id, plan};
    return job;
}

} // namespace dmc::core
