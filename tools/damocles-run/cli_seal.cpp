// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run seal`: offline seal of one sector into --out in the store
// layout, through the same engine (DAG + scheduler + task record) a rebuild
// uses. Re-running the same command with the same work dir resumes where a
// killed run stopped. --json prints the CIDs and the registry import object.
#include <cstdio>
#include <memory>
#include <filesystem>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli_common.hpp"
#include "damocles/core/engine.hpp"
#include "damocles/core/persist.hpp"
#include "damocles/core/sector_json.hpp"
#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/comm_p.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/ids.hpp"
#include "damocles/sdk/piece.hpp"
#include "engine_setup.hpp"
#include "progress_printer.hpp"

namespace dmc::cli {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct SealOptions {
    std::string proof, miner, ticket, out, work;
    std::vector<uint64_t> sectors;
    std::vector<std::string> pieces;
    bool json_out = false;
    bool keep_intermediate = false;
    bool snap = false;
    EngineCliOptions engine;
};

SealOptions &opts()
{
    static SealOptions o;
    return o;
}

// CommP and padded size of every piece file; they must fit the sector.
std::vector<core::JobPiece> plan_pieces(const SealProof &proof)
{
    std::vector<core::JobPiece> out;
    std::vector<uint64_t> unpadded_sizes;
    for (const auto &path : opts().pieces) {
        std::error_code ec;
        auto size = fs::file_size(path, ec);
        if (ec) fail_usage("cannot read piece file " + path + ": " + ec.message());
        if (size == 0) fail_usage("piece file " + path + " is empty");
        if (size > proof.unpadded_sector_size())
            fail_usage("piece file " + path + " has " + std::to_string(size) + " bytes, more than the " +
                       std::to_string(proof.unpadded_sector_size()) + " bytes a " + proof.size_name + " sector holds");
        uint64_t unpadded = piece_size_for_payload(size);
        unpadded_sizes.push_back(unpadded);
        if (sum_piece_bytes_with_alignment(unpadded_sizes) > proof.unpadded_sector_size())
            fail_usage("pieces do not fit in a " + std::string(proof.size_name) + " sector (with alignment): " + path);
        auto info = compute_comm_p_file(path, unpadded);
        if (!info) fail_usage("cannot compute CommP of " + path + ": " + info.error().message);
        core::JobPiece p;
        p.padded_size = info->padded_size;
        p.expected_comm = info->comm;
        p.cid = commitment_to_cid(info->comm, CommitmentKind::unsealed);
        p.path = fs::absolute(path).string();
        p.source = "file://" + p.path;
        out.push_back(p);
    }
    return out;
}

json pieces_record(const std::vector<core::JobPiece> &pieces, std::vector<core::PieceRecord> &out)
{
    uint64_t offset = 0;
    for (const auto &p : pieces) {
        offset = (offset + p.padded_size - 1) / p.padded_size * p.padded_size;
        out.push_back({p.cid, p.padded_size, offset, std::nullopt, p.source});
        offset += p.padded_size;
    }
    return {};
}

json sector_result(const core::SectorJob &job, const SealProof &proof, const std::vector<core::JobPiece> &pieces,
                   const std::string &out_root)
{
    const auto &outp = job.record.outputs;
    const std::string comm_d = commitment_to_cid(*outp.comm_d, CommitmentKind::unsealed);
    const std::string comm_r = commitment_to_cid(*outp.comm_r, CommitmentKind::sealed);
    core::SectorRecord rec;
    rec.key = {job.spec.miner, job.spec.number};
    rec.proof_id = proof.id;
    rec.ticket = job.ticket;
    rec.comm_d = comm_d;
    rec.comm_r = comm_r;
    rec.comm_c = outp.comm_c;
    rec.comm_r_last = outp.comm_r_last;
    json extra = json::object();
    if (job.snap) {
        core::SnapRecord snap;
        snap.proof = std::string("StackedDrg") + proof.size_name + "V1";  // RegisteredUpdateProof
        snap.comm_d_new = commitment_to_cid(*outp.comm_d_new, CommitmentKind::unsealed);
        snap.comm_r_new = commitment_to_cid(*outp.comm_r_new, CommitmentKind::sealed);
        pieces_record(job.snap->pieces, snap.pieces);
        rec.upgraded = true;
        rec.snap = snap;
        extra = {{"comm_d_new", *snap.comm_d_new},
                 {"comm_r_new", *snap.comm_r_new},
                 {"update", out_root + "/update/" + job.sector_id()},
                 {"update_cache", out_root + "/update-cache/" + job.sector_id()}};
    } else {
        pieces_record(pieces, rec.pieces);
    }
    json result = {{"replica_id", to_hex(*outp.replica_id)},
            {"comm_d", comm_d},
            {"comm_r", comm_r},
            {"comm_d_hex", to_hex(*outp.comm_d)},
            {"comm_r_hex", to_hex(*outp.comm_r)},
            {"sealed", out_root + "/sealed/" + job.sector_id()},
            {"cache", out_root + "/cache/" + job.sector_id()},
            {"sector", core::sector_to_json(rec)}};
    result.update(extra);
    return result;
}

void run_seal()
{
    auto &o = opts();
    const SealProof *proof = must(find_seal_proof(o.proof));
    auto miner = parse_miner_id(o.miner);
    if (!miner) fail_usage("invalid --miner: " + miner.error().message);
    auto ticket = bytes32_from_hex(o.ticket);
    if (!ticket) fail_usage("invalid --ticket: " + ticket.error().message + " (the 32-byte seal randomness as 64 hex)");
    auto pieces = plan_pieces(*proof);
    must(make_dirs(o.out));
    const std::string out_root = fs::absolute(o.out).string();
    const std::string work_root = o.work.empty() ? out_root + "/.damocles-work" : fs::absolute(o.work).string();

    // One batch: every sector shares proof, ticket and pieces; the DAG may
    // fuse their PC1s and the scheduler spreads them over NUMA nodes.
    std::vector<std::unique_ptr<core::SectorJob>> jobs;
    core::PersistOptions persist_opts;
    persist_opts.move = !o.keep_intermediate;  // keep a complete work dir (copy)
    for (uint64_t number : o.sectors) {
        auto job = std::make_unique<core::SectorJob>();
        job->proof = proof;
        job->ticket = *ticket;
        if (o.snap) {
            // A CC sector, then updated with the pieces (SnapDeals): the store
            // gets sealed/ + cache/ (the sector key) and update/ + update-cache/.
            job->spec = {*miner, number, proof->id, core::Plan::snap};
            job->snap = core::SnapJob{pieces, std::nullopt, std::nullopt};
        } else {
            job->spec = {*miner, number, proof->id, pieces.empty() ? core::Plan::cc : core::Plan::deal};
            job->pieces = pieces;
        }
        job->work_dir = work_root + "/" + job->sector_id();
        job->persist = [out_root, persist_opts](core::SectorJob &j) -> Status {
            DMC_TRY_VOID(core::persist_sector_files(j, out_root, persist_opts));
            if (!j.snap) return {};
            core::PersistOptions update = persist_opts;
            update.upgrade = true;
            return core::persist_sector_files(j, out_root, update);
        };
        jobs.push_back(std::move(job));
    }
    std::vector<core::SectorJob *> batch;
    for (auto &j : jobs) batch.push_back(j.get());

    core::Engine engine(context().registry(), engine_options(o.engine));
    ProgressPrinter printer(batch.size() == 1 ? batch.front()->sector_id() : std::to_string(batch.size()) + " sectors");
    core::SessionOptions so;
    so.on_progress = [&](const core::SectorJob &, const core::SectorProgress &p) { printer.update(p); };
    auto outcomes = must(core::run_jobs(engine, batch, so));
    printer.finish();
    std::string failures;
    for (size_t i = 0; i < batch.size(); ++i)
        if (outcomes[i].outcome != core::SectorOutcome::ok)
            failures += (failures.empty() ? "" : "; ") + std::string("seal of ") + batch[i]->sector_id() +
                        " failed: " + outcomes[i].error.message + " (work dir kept: " + batch[i]->work_dir + ")";
    if (!failures.empty()) fail(failures);

    if (!o.keep_intermediate) {
        std::error_code ec;
        for (auto *job : batch) fs::remove_all(job->work_dir, ec);
        fs::remove(work_root, ec);  // when empty
    }
    json results = json::array();
    for (auto *job : batch) results.push_back(sector_result(*job, *proof, pieces, out_root));
    if (o.json_out) {
        std::printf("%s\n", (results.size() == 1 ? results[0] : results).dump(2).c_str());
        return;
    }
    for (const auto &r : results)
        std::printf("%s sealed\n  CommD: %s\n  CommR: %s\n  sealed: %s\n  cache:  %s\n",
                    r["sector"]["miner"].get<uint64_t>() ? ("s-t0" + std::to_string(r["sector"]["miner"].get<uint64_t>()) + "-" +
                                                            std::to_string(r["sector"]["number"].get<uint64_t>())).c_str()
                                                         : "",
                    r["comm_d"].get<std::string>().c_str(), r["comm_r"].get<std::string>().c_str(),
                    r["sealed"].get<std::string>().c_str(), r["cache"].get<std::string>().c_str());
}

} // namespace

void register_seal_commands(CLI::App &app)
{
    auto &o = opts();
    auto *seal = app.add_subcommand("seal", "Seal one sector offline into --out (store layout)");
    seal->add_option("--proof", o.proof, "RegisteredSealProof name or id (e.g. StackedDrg2KiBV1_1)")->required();
    seal->add_option("--miner", o.miner, "Miner actor id: 1001, t01001 or f01001")->required();
    seal->add_option("--sector", o.sectors, "Sector number (repeat for a batch sharing proof, ticket and pieces)")
        ->required();
    seal->add_option("--ticket", o.ticket, "Seal randomness, 64 hex characters")->required();
    seal->add_option("--piece", o.pieces, "Unpadded piece file (repeatable; none = committed capacity)");
    seal->add_option("--out", o.out, "Store directory to write sealed/ and cache/ into")->required();
    seal->add_option("--work", o.work, "Work root for intermediates, one dir per sector (default <out>/.damocles-work)");
    seal->add_flag("--json", o.json_out, "Print CIDs and the registry import object as JSON");
    seal->add_flag("--keep-intermediate", o.keep_intermediate, "Keep layers, tree-c and tree-d in the work dir");
    seal->add_flag("--snap", o.snap, "Seal CC, then update it with the --piece files (SnapDeals)");
    add_engine_options(seal, o.engine);
    seal->callback([] {
        if (opts().snap && opts().pieces.empty()) fail_usage("--snap needs the new data as --piece files");
        run_seal();
    });
}

} // namespace dmc::cli
