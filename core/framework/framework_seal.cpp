// SPDX-License-Identifier: Apache-2.0
//
// Framework::seal (offline seal of a batch of sectors into a store, through
// the engine: DAG + scheduler + crash-safe resume records) and
// Framework::rebuild (one sector from its registry record, no manager).
#include <filesystem>

#include <nlohmann/json.hpp>

#include "damocles/core/internal/persist.hpp"
#include "damocles/core/internal/rebuild_job.hpp"
#include "damocles/core/internal/sector_json.hpp"
#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/comm_p.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/ids.hpp"
#include "damocles/sdk/piece.hpp"
#include "framework/framework_impl.hpp"

namespace dmc {

namespace fs = std::filesystem;

namespace {

// CommP and padded size of every piece file; together they must fit.
Result<std::vector<core::JobPiece>> plan_pieces(const SealProof &proof, const std::vector<std::string> &files)
{
    std::vector<core::JobPiece> out;
    std::vector<uint64_t> unpadded_sizes;
    for (const auto &path : files) {
        std::error_code ec;
        auto size = fs::file_size(path, ec);
        if (ec) return make_error(Errc::invalid_argument, "cannot read piece file " + path + ": " + ec.message());
        if (size == 0) return make_error(Errc::invalid_argument, "piece file " + path + " is empty");
        if (size > proof.unpadded_sector_size())
            return make_error(Errc::invalid_argument, "piece file " + path + " has " + std::to_string(size) +
                                                          " bytes, more than the " +
                                                          std::to_string(proof.unpadded_sector_size()) + " bytes a " +
                                                          proof.size_name + " sector holds");
        uint64_t unpadded = piece_size_for_payload(size);
        unpadded_sizes.push_back(unpadded);
        if (sum_piece_bytes_with_alignment(unpadded_sizes) > proof.unpadded_sector_size())
            return make_error(Errc::invalid_argument, "pieces do not fit in a " + std::string(proof.size_name) +
                                                          " sector (with alignment): " + path);
        PieceInfo info;
        DMC_TRY_ASSIGN(info, compute_comm_p_file(path, unpadded));
        core::JobPiece p;
        p.padded_size = info.padded_size;
        p.expected_comm = info.comm;
        p.cid = commitment_to_cid(info.comm, CommitmentKind::unsealed);
        p.path = fs::absolute(path).string();
        p.source = "file://" + p.path;
        out.push_back(p);
    }
    return out;
}

std::vector<PieceSummary> piece_summaries(const std::vector<core::JobPiece> &pieces)
{
    std::vector<PieceSummary> out;
    uint64_t offset = 0;
    for (const auto &p : pieces) {
        offset = (offset + p.padded_size - 1) / p.padded_size * p.padded_size;
        out.push_back({p.cid, p.padded_size, offset, p.source});
        offset += p.padded_size;
    }
    return out;
}

SealResult result_of(const core::SectorJob &job, const std::string &store, bool unsealed)
{
    const auto &o = job.record.outputs;
    SealResult r;
    r.sector_id = job.sector_id();
    r.miner = job.spec.miner;
    r.number = job.spec.number;
    r.proof_id = job.proof->id;
    r.ticket = job.ticket;
    r.replica_id = o.replica_id.value_or(Bytes32{});
    r.comm_d = o.comm_d.value_or(Bytes32{});
    r.comm_r = o.comm_r.value_or(Bytes32{});
    r.comm_c = o.comm_c.value_or(Bytes32{});
    r.comm_r_last = o.comm_r_last.value_or(Bytes32{});
    if (job.spec.plan == core::Plan::unseal) {
        // Nothing was sealed: the sector is the registered one.
        r.comm_d = job.expected_comm_d.value_or(Bytes32{});
        r.comm_r = job.expected_comm_r.value_or(Bytes32{});
        r.comm_c = job.expected_comm_c.value_or(Bytes32{});
        r.comm_r_last = job.expected_comm_r_last.value_or(Bytes32{});
    }
    r.comm_d_cid = commitment_to_cid(r.comm_d, CommitmentKind::unsealed);
    r.comm_r_cid = commitment_to_cid(r.comm_r, CommitmentKind::sealed);
    r.sealed_path = store + "/sealed/" + r.sector_id;
    r.cache_path = store + "/cache/" + r.sector_id;
    r.pieces = piece_summaries(job.pieces);
    if (unsealed) r.unsealed_path = store + "/unsealed/" + r.sector_id;
    if (job.snap && o.comm_r_new) {
        r.comm_d_new = o.comm_d_new;
        r.comm_r_new = o.comm_r_new;
        r.comm_d_new_cid = commitment_to_cid(*o.comm_d_new, CommitmentKind::unsealed);
        r.comm_r_new_cid = commitment_to_cid(*o.comm_r_new, CommitmentKind::sealed);
        r.update_path = store + "/update/" + r.sector_id;
        r.update_cache_path = store + "/update-cache/" + r.sector_id;
        r.new_pieces = piece_summaries(job.snap->pieces);
    }
    return r;
}

Status outcome_errors(const std::vector<core::SectorJob *> &jobs, const std::vector<core::JobOutcome> &outcomes,
                      const char *what)
{
    std::string failures;
    Errc code = Errc::internal;
    for (size_t i = 0; i < jobs.size(); ++i) {
        if (outcomes[i].outcome == core::SectorOutcome::ok) continue;
        code = outcomes[i].error.code;
        failures += (failures.empty() ? "" : "; ") + std::string(what) + " of " + jobs[i]->sector_id() +
                    " failed: " + outcomes[i].error.message + " (work dir kept: " + jobs[i]->work_dir + ")";
    }
    if (failures.empty()) return {};
    // A failed seal is an operation that ran and failed, not bad input.
    return make_error(code == Errc::invalid_argument ? Errc::internal : code, failures);
}

} // namespace

Result<std::vector<SealResult>> Framework::seal(const SealRequest &req, ProgressCallback progress)
{
    const SealProof *proof;
    DMC_TRY_ASSIGN(proof, find_seal_proof(req.proof));
    auto miner = parse_miner_id(req.miner);
    if (!miner) return make_error(Errc::invalid_argument, "invalid miner: " + miner.error().message);
    auto ticket = bytes32_from_hex(req.ticket);
    if (!ticket)
        return make_error(Errc::invalid_argument,
                          "invalid ticket: " + ticket.error().message + " (the 32-byte seal randomness as 64 hex)");
    if (req.sectors.empty()) return make_error(Errc::invalid_argument, "no sector number given");
    if (req.snap && req.pieces.empty())
        return make_error(Errc::invalid_argument, "a snap seal needs the new data as pieces");
    if (req.out_dir.empty()) return make_error(Errc::invalid_argument, "no output store directory given");
    std::vector<core::JobPiece> pieces;
    DMC_TRY_ASSIGN(pieces, plan_pieces(*proof, req.pieces));
    DMC_TRY_VOID(make_dirs(req.out_dir));
    const std::string out_root = fs::absolute(req.out_dir).string();
    const std::string work_root =
        req.work_dir.empty() ? out_root + "/.damocles-work" : fs::absolute(req.work_dir).string();

    // One batch: the DAG may fuse the PC1s and spread them over NUMA nodes.
    std::vector<std::unique_ptr<core::SectorJob>> jobs;
    core::PersistOptions persist;
    persist.move = !req.keep_intermediate; // keep a complete work dir: copy
    for (uint64_t number : req.sectors) {
        auto job = std::make_unique<core::SectorJob>();
        job->proof = proof;
        job->ticket = *ticket;
        if (req.snap) {
            // CC, then updated with the pieces: sealed/ + cache/ (the sector
            // key) and update/ + update-cache/ land in the store.
            job->spec = {*miner, number, proof->id, core::Plan::snap};
            job->snap = core::SnapJob{pieces, std::nullopt, std::nullopt};
        } else {
            job->spec = {*miner, number, proof->id, pieces.empty() ? core::Plan::cc : core::Plan::deal};
            job->pieces = pieces;
        }
        job->work_dir = work_root + "/" + job->sector_id();
        job->write_unsealed = req.unsealed;
        job->persist = [out_root, persist](core::SectorJob &j) -> Status {
            core::PersistOptions sealed = persist;
            // The unsealed copy goes with the data it holds: the update's.
            sealed.unsealed = j.write_unsealed && !j.snap;
            DMC_TRY_VOID(core::persist_sector_files(j, out_root, sealed));
            if (!j.snap) return {};
            core::PersistOptions update = persist;
            update.upgrade = true;
            update.unsealed = j.write_unsealed;
            return core::persist_sector_files(j, out_root, update);
        };
        jobs.push_back(std::move(job));
    }
    std::vector<core::SectorJob *> batch;
    for (auto &j : jobs) batch.push_back(j.get());
    impl_->cancel.store(0);
    std::vector<core::JobOutcome> outcomes;
    DMC_TRY_ASSIGN(outcomes, core::run_jobs(*impl_->engine, batch, session_options(*impl_, progress)));
    DMC_TRY_VOID(outcome_errors(batch, outcomes, "seal"));
    if (!req.keep_intermediate) {
        std::error_code ec;
        for (auto *job : batch) fs::remove_all(job->work_dir, ec);
        fs::remove(work_root, ec); // only when empty
    }
    std::vector<SealResult> results;
    for (auto *job : batch) results.push_back(result_of(*job, out_root, req.unsealed));
    return results;
}

Result<SealResult> Framework::rebuild(const OfflineRebuildRequest &req, ProgressCallback progress)
{
    auto doc = nlohmann::json::parse(req.sector_json, nullptr, false);
    if (doc.is_discarded()) return make_error(Errc::invalid_argument, "the sector record is not JSON");
    core::SectorRecord sector;
    DMC_TRY_ASSIGN(sector, core::parse_sector_object(doc, "sector"));
    if (req.store_dir.empty()) return make_error(Errc::invalid_argument, "no store directory given");
    const std::string store = fs::absolute(req.store_dir).string();
    const std::string work = req.work_dir.empty() ? store + "/.damocles-work/" + core::sector_id_string(sector.key)
                                                  : fs::absolute(req.work_dir).string();
    core::PieceSources sources;
    sources.local_dirs = req.local_pieces_dirs;
    sources.locators.push_back(core::recorded_file_source());
    if (req.download) sources.locators.push_back(core::recorded_url_source(req.download));
    const std::string id = core::sector_id_string(sector.key);
    auto proof = find_seal_proof(sector.proof_id);
    if (!proof) return proof.error();
    core::RebuildJobOptions options;
    options.unsealed = req.unsealed;
    options.unsealed_copies = {store + "/unsealed/" + id};
    // Only an explicit --unsealed looks for a surviving replica to decode;
    // an offline rebuild is otherwise always a full one.
    if (req.unsealed) {
        auto intact = [&](const std::string &path) {
            std::error_code ec;
            return fs::file_size(path, ec) == (*proof)->sector_size && !ec ? path : std::string();
        };
        options.surviving_sealed = intact(store + "/sealed/" + id);
        options.surviving_update = intact(store + "/update/" + id);
    }
    std::unique_ptr<core::SectorJob> job;
    DMC_TRY_ASSIGN(job, core::make_rebuild_job(sector, work, sources, options));
    job->persist = [store](core::SectorJob &j) {
        core::PersistOptions o = core::persist_options_for(j);
        return core::persist_sector_files(j, store, o);
    };
    impl_->cancel.store(0);
    std::vector<core::JobOutcome> outcomes;
    DMC_TRY_ASSIGN(outcomes, core::run_jobs(*impl_->engine, {job.get()}, session_options(*impl_, progress)));
    DMC_TRY_VOID(outcome_errors({job.get()}, outcomes, "rebuild"));
    std::error_code ec;
    fs::remove_all(work, ec);
    return result_of(*job, store, job->write_unsealed || job->spec.plan == core::Plan::unseal);
}

} // namespace dmc
