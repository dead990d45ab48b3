// SPDX-License-Identifier: Apache-2.0
#include "damocles/core/internal/rebuild_job.hpp"

#include <set>

#include <spdlog/spdlog.h>

#include "damocles/core/internal/unsealed_copy.hpp"
#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/piece.hpp"
#include "damocles/sdk/proof.hpp"

namespace dmc::core {

namespace {

// The pieces of `records`: from the verified unsealed copy when there is
// one (fillers stay zeros), else from the other sources in their order.
Result<std::vector<JobPiece>> resolve_pieces(const std::vector<PieceRecord> &records,
                                             const std::optional<std::string> &copy, const PieceSources &sources,
                                             const std::string &download_dir)
{
    std::vector<JobPiece> out;
    for (const auto &p : records) {
        JobPiece jp;
        if (copy) {
            DMC_TRY_ASSIGN(jp.expected_comm, cid_to_commitment(p.cid, CommitmentKind::unsealed));
            auto zero = zero_piece_commitment(p.size);
            jp.padded_size = p.size;
            jp.cid = p.cid;
            if (zero && *zero == *jp.expected_comm) {
                jp.source = "zeros (filler piece)";
            } else {
                jp.path = *copy;
                jp.from_unsealed_copy = true;
                jp.padded_offset = p.offset;
                jp.source = "unsealed copy " + *copy;
            }
        } else {
            DMC_TRY_ASSIGN(jp, fetch_piece(p, sources, download_dir));
        }
        out.push_back(std::move(jp));
    }
    return out;
}

// The copy to take pieces from: only when some piece needs data.
std::optional<std::string> usable_copy(const std::vector<PieceRecord> &pieces, const RebuildJobOptions &options,
                                       const SealProof &proof, const Bytes32 &comm_d)
{
    bool needs_data = false;
    for (const auto &p : pieces) {
        auto c = cid_to_commitment(p.cid, CommitmentKind::unsealed);
        auto zero = zero_piece_commitment(p.size);
        if (!c || !zero || *c != *zero) needs_data = true;
    }
    if (!needs_data || options.unsealed_copies.empty()) return std::nullopt;
    return find_unsealed_copy(options.unsealed_copies, proof, comm_d);
}

Result<SnapJob> snap_job_of(const SectorRecord &s)
{
    if (!s.snap || !s.snap->comm_r_new || !s.snap->comm_d_new)
        return make_error(Errc::invalid_argument, "unavailable upgrade public info");
    SnapJob snap;
    Bytes32 d_new, r_new;
    DMC_TRY_ASSIGN(d_new, cid_to_commitment(*s.snap->comm_d_new, CommitmentKind::unsealed));
    DMC_TRY_ASSIGN(r_new, cid_to_commitment(*s.snap->comm_r_new, CommitmentKind::sealed));
    snap.expected_comm_d_new = d_new;
    snap.expected_comm_r_new = r_new;
    return snap;
}

} // namespace

Result<std::unique_ptr<SectorJob>> make_rebuild_job(const SectorRecord &s, const std::string &work_dir,
                                                    const PieceSources &sources, const RebuildJobOptions &options)
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
    const std::string id = sector_id_string(s.key);
    const std::string &replica = s.upgraded ? options.surviving_update : options.surviving_sealed;
    if (options.unsealed && !replica.empty()) {
        // Only the unsealed copy: decode the surviving replica.
        if (s.upgraded) {
            DMC_TRY_ASSIGN(job->snap, snap_job_of(s));
        }
        job->surviving_replica = replica;
        job->spec = {s.key.miner, s.key.number, s.proof_id, Plan::unseal};
        spdlog::info("{}: {} survived: decoding it for the unsealed copy", id, replica);
        return job;
    }
    if (!options.unsealed && !options.surviving_sealed.empty() && !s.upgraded) {
        if (s.comm_c && s.comm_r_last) {
            // Cache-only repair: no pieces, no PC1/PC2; tree_r_last from the
            // sealed file must give back the registered comm_r.
            job->surviving_replica = options.surviving_sealed;
            job->spec = {s.key.miner, s.key.number, s.proof_id, Plan::cache_only};
            spdlog::info("{}: sealed file {} survived: cache-only repair", id, options.surviving_sealed);
            return job;
        }
        spdlog::warn("{}: the sealed file survived but no comm_c/comm_r_last is registered: falling back to a full "
                     "rebuild",
                     id);
    }
    job->write_unsealed = options.unsealed || s.keep_unsealed;
    const std::string downloads = work_dir + "/pieces";
    Plan plan = s.pieces.empty() ? Plan::cc : Plan::deal;
    if (s.upgraded) {
        SnapJob snap;
        DMC_TRY_ASSIGN(snap, snap_job_of(s));
        DMC_TRY_ASSIGN(job->pieces, resolve_pieces(s.pieces, std::nullopt, sources, downloads));
        // A snap sector's unsealed copy holds the new data (comm_d_new).
        const auto copy = usable_copy(s.snap->pieces, options, *job->proof, *snap.expected_comm_d_new);
        DMC_TRY_ASSIGN(snap.pieces, resolve_pieces(s.snap->pieces, copy, sources, downloads));
        job->snap = std::move(snap);
        plan = Plan::snap;
    } else {
        const auto copy = usable_copy(s.pieces, options, *job->proof, comm_d);
        DMC_TRY_ASSIGN(job->pieces, resolve_pieces(s.pieces, copy, sources, downloads));
    }
    job->spec = {s.key.miner, s.key.number, s.proof_id, plan};
    return job;
}

std::string pieces_source_summary(const SectorJob &job)
{
    std::set<std::string> seen;
    std::string out;
    auto add = [&](const std::vector<JobPiece> &pieces) {
        for (const auto &p : pieces) {
            if (p.path.empty() || !seen.insert(p.source).second) continue;
            out += (out.empty() ? "" : ", ") + p.source;
        }
    };
    add(job.pieces);
    if (job.snap) add(job.snap->pieces);
    return out;
}

} // namespace dmc::core
