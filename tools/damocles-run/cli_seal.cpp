// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run seal`: offline seal of one sector into --out in the store
// layout, through the same engine (DAG + scheduler + task record) a rebuild
// uses. Re-running the same command with the same work dir resumes where a
// killed run stopped. --json prints the CIDs and the registry import object.
#include <cstdio>
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
    uint64_t sector = 0;
    std::vector<std::string> pieces;
    bool json_out = false;
    bool keep_intermediate = false;
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

    core::SectorJob job;
    job.spec = {*miner, o.sector, proof->id, pieces.empty() ? core::Plan::cc : core::Plan::deal};
    job.proof = proof;
    job.ticket = *ticket;
    job.pieces = pieces;
    job.work_dir = o.work.empty() ? o.out + "/.damocles-work/" + job.sector_id() : o.work;
    const std::string out_root = fs::absolute(o.out).string();
    // --keep-intermediate keeps a complete work dir (copy); else files move.
    core::PersistOptions persist_opts;
    persist_opts.move = !o.keep_intermediate;
    job.persist = [&](core::SectorJob &j) { return core::persist_sector_files(j, out_root, persist_opts); };

    auto &registry = context().registry();
    core::Engine engine(registry, engine_options(o.engine));
    ProgressPrinter printer(job.sector_id());
    core::SessionOptions so;
    so.on_progress = [&](const core::SectorJob &, const core::SectorProgress &p) { printer.update(p); };
    auto outcomes = must(core::run_jobs(engine, {&job}, so));
    printer.finish();
    const auto &r = outcomes.front();
    if (r.outcome != core::SectorOutcome::ok)
        fail("seal of " + job.sector_id() + " failed: " + r.error.message + " (work dir kept: " + job.work_dir + ")");

    if (!o.keep_intermediate) {
        std::error_code ec;
        fs::remove_all(job.work_dir, ec);
        fs::remove(fs::path(job.work_dir).parent_path(), ec);  // .damocles-work when empty
    }

    const auto &outp = job.record.outputs;
    const std::string comm_d = commitment_to_cid(*outp.comm_d, CommitmentKind::unsealed);
    const std::string comm_r = commitment_to_cid(*outp.comm_r, CommitmentKind::sealed);
    core::SectorRecord rec;
    rec.key = {*miner, o.sector};
    rec.proof_id = proof->id;
    rec.ticket = *ticket;
    rec.comm_d = comm_d;
    rec.comm_r = comm_r;
    rec.comm_c = outp.comm_c;
    rec.comm_r_last = outp.comm_r_last;
    uint64_t offset = 0;
    for (const auto &p : pieces) {
        offset = (offset + p.padded_size - 1) / p.padded_size * p.padded_size;
        rec.pieces.push_back({p.cid, p.padded_size, offset, std::nullopt, p.source});
        offset += p.padded_size;
    }
    const std::string sealed = out_root + "/sealed/" + job.sector_id();
    const std::string cache = out_root + "/cache/" + job.sector_id();
    if (o.json_out) {
        json j = {{"replica_id", to_hex(*outp.replica_id)},
                  {"comm_d", comm_d},
                  {"comm_r", comm_r},
                  {"comm_d_hex", to_hex(*outp.comm_d)},
                  {"comm_r_hex", to_hex(*outp.comm_r)},
                  {"sealed", sealed},
                  {"cache", cache},
                  {"sector", core::sector_to_json(rec)}};
        std::printf("%s\n", j.dump(2).c_str());
    } else {
        std::printf("%s sealed\n  CommD: %s\n  CommR: %s\n  sealed: %s\n  cache:  %s\n", job.sector_id().c_str(),
                    comm_d.c_str(), comm_r.c_str(), sealed.c_str(), cache.c_str());
    }
}

} // namespace

void register_seal_commands(CLI::App &app)
{
    auto &o = opts();
    auto *seal = app.add_subcommand("seal", "Seal one sector offline into --out (store layout)");
    seal->add_option("--proof", o.proof, "RegisteredSealProof name or id (e.g. StackedDrg2KiBV1_1)")->required();
    seal->add_option("--miner", o.miner, "Miner actor id: 1001, t01001 or f01001")->required();
    seal->add_option("--sector", o.sector, "Sector number")->required();
    seal->add_option("--ticket", o.ticket, "Seal randomness, 64 hex characters")->required();
    seal->add_option("--piece", o.pieces, "Unpadded piece file (repeatable; none = committed capacity)");
    seal->add_option("--out", o.out, "Store directory to write sealed/ and cache/ into")->required();
    seal->add_option("--work", o.work, "Work dir for intermediates (default <out>/.damocles-work/<sector>)");
    seal->add_flag("--json", o.json_out, "Print CIDs and the registry import object as JSON");
    seal->add_flag("--keep-intermediate", o.keep_intermediate, "Keep layers, tree-c and tree-d in the work dir");
    add_engine_options(seal, o.engine);
    seal->callback(run_seal);
}

} // namespace dmc::cli
