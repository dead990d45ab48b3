// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run util …`: commp (piece CID of a file), replica-id, and verify
// (CheckSealed on existing files: exit 0 valid, 1 invalid, 2 usage).
#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "damocles/core/engine.hpp"
#include "damocles/core/resume_record.hpp"
#include "damocles/sdk/challenges.hpp"
#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/comm_p.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/ids.hpp"
#include "damocles/sdk/sealed_sector.hpp"
#include "damocles/sdk/sha254.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "damocles/sdk/vanilla_porep.hpp"
#include "engine_setup.hpp"
#include "framework_cli.hpp"

namespace dmc::cli {

namespace fs = std::filesystem;

namespace {

struct UtilOptions {
    std::string file;
    bool json_out = false;
    std::string proof, miner, ticket, comm_d, comm_r, sealed, cache, seed;
    uint64_t sector = 0;
    bool cheap_only = false;
    EngineCliOptions engine;
};

UtilOptions &opts()
{
    static UtilOptions o;
    return o;
}

Bytes32 parse_comm(const std::string &text, CommitmentKind kind, const char *flag)
{
    if (text.size() == 64) {
        auto b = bytes32_from_hex(text);
        if (b) return *b;
    }
    auto c = cid_to_commitment(text, kind);
    if (!c) fail_usage(std::string("invalid ") + flag + ": " + c.error().message);
    return *c;
}

void cmd_commp()
{
    std::error_code ec;
    if (!fs::is_regular_file(opts().file, ec)) fail_usage("cannot read " + opts().file + ": not a regular file");
    auto info = compute_comm_p_file(opts().file);
    if (!info) fail_with(info.error());
    const std::string cid = commitment_to_cid(info->comm, CommitmentKind::unsealed);
    if (opts().json_out) {
        nlohmann::json j = {{"cid", cid},
                            {"comm_p", to_hex(info->comm)},
                            {"padded_size", info->padded_size},
                            {"payload_size", fs::file_size(opts().file)}};
        std::printf("%s\n", j.dump(2).c_str());
    } else {
        std::printf("CID: %s\nPiece size: %llu\n", cid.c_str(), static_cast<unsigned long long>(info->padded_size));
    }
}

struct Identity {
    const SealProof *proof;
    uint64_t miner;
    Bytes32 ticket;
};

Identity parse_identity()
{
    Identity id;
    id.proof = must(find_seal_proof(opts().proof));
    auto m = parse_miner_id(opts().miner);
    if (!m) fail_usage("invalid --miner: " + m.error().message);
    id.miner = *m;
    auto t = bytes32_from_hex(opts().ticket);
    if (!t) fail_usage("invalid --ticket: " + t.error().message);
    id.ticket = *t;
    return id;
}

void cmd_replica_id()
{
    Identity id = parse_identity();
    Bytes32 comm_d = parse_comm(opts().comm_d, CommitmentKind::unsealed, "--comm-d");
    Bytes32 rid = replica_id(prover_id_from_actor_id(id.miner), opts().sector, id.ticket, comm_d, id.proof->porep_id());
    std::printf("%s\n", to_hex(rid).c_str());
}

void cmd_verify()
{
    const auto &o = opts();
    auto fw = open_framework(o.engine);
    VerifyRequest req;
    req.proof = o.proof;
    req.miner = o.miner;
    req.ticket = o.ticket;
    req.sector = o.sector;
    req.comm_r = o.comm_r;
    req.comm_d = o.comm_d;
    req.seed = o.seed;
    req.sealed_path = o.sealed;
    req.cache_dir = o.cache;
    req.cheap_only = o.cheap_only;
    auto r = must(fw->verify(req));
    const std::string sid = "s-t0" + std::to_string(must(parse_miner_id(o.miner))) + "-" + std::to_string(o.sector);
    if (!r.valid) fail(sid + ": invalid: " + r.detail);
    std::printf("%s: valid (%s)\n", sid.c_str(), r.detail.c_str());
}

void cmd_task()
{
    auto rec = core::load_resume_record(opts().file);
    if (!rec) fail_with(rec.error());
    std::printf("%s\n", core::resume_record_to_json(*rec).c_str());
}

} // namespace

void register_util_commands(CLI::App &app)
{
    auto &o = opts();
    auto *util = app.add_subcommand("util", "Utilities: commp, replica-id, verify");
    util->require_subcommand(1);

    auto *commp = util->add_subcommand("commp", "Piece CID and padded size of an unpadded file");
    commp->add_option("file", o.file, "Unpadded piece file")->required();
    commp->add_flag("--json", o.json_out, "JSON output");
    commp->callback(cmd_commp);

    auto *rid = util->add_subcommand("replica-id", "Replica id of a sector");
    rid->add_option("--proof", o.proof, "RegisteredSealProof")->required();
    rid->add_option("--miner", o.miner, "Miner id")->required();
    rid->add_option("--sector", o.sector, "Sector number")->required();
    rid->add_option("--ticket", o.ticket, "Ticket, 64 hex")->required();
    rid->add_option("--comm-d", o.comm_d, "CommD as CID or 64 hex")->required();
    rid->callback(cmd_replica_id);

    auto *task = util->add_subcommand("task", "Print a sector resume record (<work>/<sector>.task) as JSON");
    task->add_option("file", o.file, "Resume record file")->required();
    task->callback(cmd_task);

    auto *verify = util->add_subcommand("verify", "CheckSealed on existing files (exit 0 valid, 1 invalid, 2 usage)");
    verify->add_option("--proof", o.proof, "RegisteredSealProof")->required();
    verify->add_option("--miner", o.miner, "Miner id")->required();
    verify->add_option("--sector", o.sector, "Sector number")->required();
    verify->add_option("--ticket", o.ticket, "Ticket, 64 hex")->required();
    verify->add_option("--comm-r", o.comm_r, "Expected CommR (CID or 64 hex)")->required();
    verify->add_option("--comm-d", o.comm_d, "Expected CommD (CID or 64 hex); default: the tree-d root");
    verify->add_option("--sealed", o.sealed, "Sealed replica file")->required();
    verify->add_option("--cache", o.cache, "Cache directory")->required();
    verify->add_option("--seed", o.seed, "Interactive seed, 64 hex (default: the ticket, as damocles' CheckSealed)");
    verify->add_flag("--cheap", o.cheap_only, "Only the tree-r-last / p_aux / comm_r check");
    add_engine_options(verify, o.engine);
    verify->callback(cmd_verify);
}

} // namespace dmc::cli
