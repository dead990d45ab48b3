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
        nlohmann::json j = {{"cid", cid}, {"comm_p", to_hex(info->comm)}, {"padded_size", info->padded_size},
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

// Full check: vanilla proofs of the interactive challenges (seed = --seed or
// the ticket, as damocles' CheckSealed) through the selected plugin, verified here.
Status full_check(const Identity &id, const Bytes32 &comm_d, const Bytes32 &comm_r, size_t *challenge_count)
{
    const SealProof &proof = *id.proof;
    Bytes32 seed = id.ticket;
    if (!opts().seed.empty()) {
        auto s = bytes32_from_hex(opts().seed);
        if (!s) fail_usage("invalid --seed: " + s.error().message);
        seed = *s;
    }
    Bytes32 rid = replica_id(prover_id_from_actor_id(id.miner), opts().sector, id.ticket, comm_d, proof.porep_id());
    std::vector<uint64_t> challenges;
    for (uint32_t k = 0; k < proof.partitions; ++k) {
        auto part = interactive_challenges(rid, seed, proof.nodes(), k, proof.challenges_per_partition);
        challenges.insert(challenges.end(), part.begin(), part.end());
    }
    *challenge_count = challenges.size();
    core::Engine engine(context().registry(), engine_options(opts().engine));
    core::StageHandle stage;
    DMC_TRY_ASSIGN(stage, engine.stage(DMC_STAGE_POREP_VANILLA));
    char error[1024] = {};
    dmc_call call{};
    call.struct_size = sizeof call;
    call.threads = 1;
    call.numa_node = -1;
    call.error = error;
    call.error_size = sizeof error;
    const std::string proofs_path = opts().cache + "/.verify-proofs-" + std::to_string(::getpid());
    dmc_porep_vanilla_args args{};
    args.struct_size = sizeof args;
    args.num_challenges = static_cast<uint32_t>(challenges.size());
    args.registered_proof = proof.id;
    std::copy(rid.begin(), rid.end(), args.replica_id);
    args.challenges = challenges.data();
    args.cache_dir = opts().cache.c_str();
    args.replica_path = opts().sealed.c_str();
    args.proofs_path = proofs_path.c_str();
    dmc_status rc = stage.ops<dmc_porep_vanilla_ops>()->run(&call, &args);
    if (rc != DMC_OK) return make_error(Errc::verify_failed, std::string("cannot prove: ") + error);
    std::vector<uint8_t> bytes;
    DMC_TRY_ASSIGN(bytes, read_file(proofs_path));
    std::error_code ec;
    fs::remove(proofs_path, ec);
    VanillaPorepProofs proofs;
    DMC_TRY_ASSIGN(proofs, parse_vanilla_proofs(bytes));
    return verify_vanilla_proofs(proof, SdrGraph::for_proof(proof), proofs, rid, comm_d, comm_r, challenges);
}

void cmd_verify()
{
    Identity id = parse_identity();
    Bytes32 comm_r = parse_comm(opts().comm_r, CommitmentKind::sealed, "--comm-r");
    std::error_code ec;
    if (!fs::is_regular_file(opts().sealed, ec)) fail_usage("--sealed " + opts().sealed + " is not a file");
    if (!fs::is_directory(opts().cache, ec)) fail_usage("--cache " + opts().cache + " is not a directory");
    const std::string sid = "s-t0" + std::to_string(id.miner) + "-" + std::to_string(opts().sector);

    // Cheap check: every stored tree-r-last node, p_aux and comm_r.
    auto cheap = verify_tree_r_last(*id.proof, opts().cache, opts().sealed, comm_r, 1);
    if (!cheap) fail(sid + ": invalid: " + cheap.error().message);
    std::string what = "tree-r-last, p_aux and comm_r match";

    if (!opts().cheap_only && SealedSectorFiles::has_full_cache(*id.proof, opts().cache)) {
        Bytes32 comm_d;
        if (!opts().comm_d.empty()) {
            comm_d = parse_comm(opts().comm_d, CommitmentKind::unsealed, "--comm-d");
        } else {
            // Without --comm-d the tree-d root stands in for it (stated below).
            auto layout = must(sector_tree_layout(id.proof->sector_size));
            auto tree = must(MappedFile::open_read(opts().cache + "/" + tree_d_file_name()));
            if (tree.size() != layout.tree_d_file_bytes) fail(sid + ": invalid: tree-d file has the wrong size");
            std::copy_n(tree.data() + tree.size() - 32, 32, comm_d.begin());
            what += "; comm_d taken from tree-d (pass --comm-d to check it)";
        }
        size_t n = 0;
        Status full = full_check(id, comm_d, comm_r, &n);
        if (!full) fail(sid + ": invalid: " + full.error().message);
        what += "; " + std::to_string(n) + " vanilla PoRep challenge proofs verify";
    } else {
        what += "; no layers/tree-c/tree-d in the cache, vanilla proofs skipped";
    }
    std::printf("%s: valid (%s)\n", sid.c_str(), what.c_str());
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
