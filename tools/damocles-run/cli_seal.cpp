// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run seal`: offline seal of one or more sectors into --out in the
// store layout, through the embedding API (Framework::seal: the same engine,
// DAG, scheduler and resume records a rebuild uses). The same command with the
// same work dir resumes a killed run. --json prints the CIDs and the
// registry import object. `damocles-run rebuild` rebuilds one sector offline
// from its registry record (Framework::rebuild).
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "damocles/sdk/proof.hpp"
#include "framework_cli.hpp"
#include "progress_printer.hpp"
#include "service/worker/piece_fetcher.hpp"

namespace dmc::cli {

using nlohmann::json;

namespace {

struct SealOptions {
    SealRequest request;
    std::string record, store, work;
    bool rebuild_unsealed = false;
    std::vector<std::string> pieces_dirs;
    bool json_out = false;
    EngineCliOptions engine;
};

SealOptions &opts()
{
    static SealOptions o;
    return o;
}

void print_results(const std::vector<SealResult> &results)
{
    if (opts().json_out) {
        json arr = json::array();
        for (const auto &r : results) arr.push_back(seal_result_json(r));
        std::printf("%s\n", (arr.size() == 1 ? arr[0] : arr).dump(2).c_str());
        return;
    }
    for (const auto &r : results) {
        std::printf("%s sealed\n  CommD: %s\n  CommR: %s\n  sealed: %s\n  cache:  %s\n", r.sector_id.c_str(),
                    r.comm_d_cid.c_str(), r.comm_r_cid.c_str(), r.sealed_path.c_str(), r.cache_path.c_str());
        if (r.comm_r_new)
            std::printf("  CommR (updated): %s\n  update: %s\n", r.comm_r_new_cid.c_str(), r.update_path.c_str());
        if (!r.unsealed_path.empty()) std::printf("  unsealed: %s\n", r.unsealed_path.c_str());
    }
}

void run_seal()
{
    auto fw = open_framework(opts().engine);
    const auto &req = opts().request;
    auto proof = find_seal_proof(req.proof);
    const uint64_t bytes = proof ? proof.value()->sector_size * req.sectors.size() : 0;
    ProgressPrinter printer(req.sectors.size() == 1 ? "s-t0" + req.miner + "-" + std::to_string(req.sectors[0])
                                                    : std::to_string(req.sectors.size()) + " sectors",
                            bytes);
    auto results = fw->seal(req, [&](const Progress &p) {
        core::SectorProgress sp;
        sp.fraction = p.fraction;
        sp.stage = p.stage;
        sp.eta = p.eta;
        printer.update(sp);
    });
    printer.finish();
    print_results(must(std::move(results)));
}

void run_rebuild()
{
    std::ifstream in(opts().record);
    if (!in) fail_usage("cannot read " + opts().record);
    json doc = json::parse(in, nullptr, false);
    if (doc.is_discarded()) fail_usage(opts().record + " is not JSON");
    if (doc.is_object() && doc.contains("sectors")) {
        if (doc["sectors"].size() != 1) fail_usage(opts().record + " must hold exactly one sector");
        doc = doc["sectors"][0];
    }
    auto fw = open_framework(opts().engine);
    OfflineRebuildRequest req;
    req.sector_json = doc.dump();
    req.store_dir = opts().store;
    req.work_dir = opts().work;
    req.unsealed = opts().rebuild_unsealed;
    req.local_pieces_dirs = opts().pieces_dirs;
    req.download = [](const std::string &url, uint64_t max_bytes, const std::string &dest) {
        service::DownloadLimits limits;
        limits.max_bytes = max_bytes;
        return service::http_download(url, {}, limits, dest); // a recorded URL: never a token
    };
    ProgressPrinter printer("rebuild");
    auto r = fw->rebuild(req, [&](const Progress &p) {
        core::SectorProgress sp;
        sp.fraction = p.fraction;
        sp.stage = p.stage;
        sp.eta = p.eta;
        printer.update(sp);
    });
    printer.finish();
    print_results({must(std::move(r))});
}

} // namespace

void register_seal_commands(CLI::App &app)
{
    auto &o = opts();
    auto &r = o.request;
    auto *seal = app.add_subcommand("seal", "Seal sectors offline into --out (store layout)");
    seal->add_option("--proof", r.proof, "RegisteredSealProof name or id (e.g. StackedDrg2KiBV1_1)")->required();
    seal->add_option("--miner", r.miner, "Miner actor id: 1001, t01001 or f01001")->required();
    seal->add_option("--sector", r.sectors, "Sector number (repeat for a batch sharing proof, ticket and pieces)")
        ->required();
    seal->add_option("--ticket", r.ticket, "Seal randomness, 64 hex characters")->required();
    seal->add_option("--piece", r.pieces, "Unpadded piece file (repeatable; none = committed capacity)");
    seal->add_option("--out", r.out_dir, "Store directory to write sealed/ and cache/ into")->required();
    seal->add_option("--work", r.work_dir,
                     "Work root for intermediates, one dir per sector (default <out>/.damocles-work)");
    seal->add_flag("--json", o.json_out, "Print CIDs and the registry import object as JSON");
    seal->add_flag("--keep-intermediate", r.keep_intermediate, "Keep layers, tree-c and tree-d in the work dir");
    seal->add_flag("--snap", r.snap, "Seal CC, then update it with the --piece files (SnapDeals)");
    seal->add_flag("--unsealed", r.unsealed,
                   "Also write unsealed/<sector> in lotus' format (with --snap: the new data)");
    add_engine_options(seal, o.engine);
    seal->callback(run_seal);

    auto *rebuild = app.add_subcommand("rebuild", "Rebuild one sector offline from its registry record into --store");
    rebuild->add_option("--record", o.record, "JSON: one sector of the import format (or {\"sectors\": [one]})")
        ->required();
    rebuild->add_option("--store", o.store, "Store directory to write the rebuilt files into")->required();
    rebuild->add_option("--work", o.work, "Work dir (default <store>/.damocles-work/<sector>)");
    rebuild->add_option("--pieces-dir", o.pieces_dirs, "Directory with piece files named by CID (repeatable)");
    rebuild->add_flag("--unsealed", o.rebuild_unsealed,
                      "Regenerate unsealed/<sector>: decoded from the store's sealed (update) file when it survived, "
                      "else written by the full rebuild");
    rebuild->add_flag("--json", o.json_out, "JSON output");
    add_engine_options(rebuild, o.engine);
    rebuild->callback(run_rebuild);
}

} // namespace dmc::cli
