// SPDX-License-Identifier: Apache-2.0
//
// The C++ embedding API of damocles-run: everything the command line does
// with sectors, for programs that link libdamocles-core (pkg-config
// damocles-core). The CLI itself goes through this API.
//
//   auto fw = dmc::Framework::open({});                   // plugins, config
//   dmc::SealRequest req;
//   req.proof = "StackedDrg2KiBV1_1"; req.miner = "t01002"; req.sectors = {1};
//   req.ticket = "c3a1…"; req.out_dir = "/srv/store";
//   auto sealed = fw.value()->seal(req, [](const dmc::Progress &p) { … });
//   auto ok = fw.value()->verify({…});
//
// Everything returns dmc::Result (no exceptions); long calls report progress
// through a callback (from worker threads: keep it quick) and stop early when
// cancel() is called from another thread. This header only needs the sdk's
// headers and the standard library.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc {

struct FrameworkOptions {
    std::vector<std::string> plugin_dirs;        // searched before the default search path
    bool default_plugin_dirs = true;             // DAMOCLES_PLUGIN_PATH, build tree, <libdir>/damocles/plugins
    std::map<std::string, std::string> plugins;  // stage -> plugin name ([plugins] table)
    std::map<std::string, uint32_t> concurrency; // [processors.limitation.concurrent]
    std::string parent_cache_dir;                // "" = FIL_PROOFS_PARENT_CACHE or /var/tmp/filecoin-parents
    uint32_t cores = 0;                          // 0 = all
    uint64_t memory_bytes = 0;                   // 0 = 80% of RAM
};

struct PluginSummary {
    std::string name, version, path;
    std::vector<std::string> stages;
    bool usable = false;
    std::string skip_reason;
};

struct Progress {
    std::string sector_id;
    double fraction = 0; // 0..1
    std::string stage;   // running step ("pc1", ...)
    std::optional<std::chrono::seconds> eta;
};
using ProgressCallback = std::function<void(const Progress &)>;

struct SealRequest {
    std::string proof;               // RegisteredSealProof name or id
    std::string miner;               // 1001, t01001 or f01001
    std::vector<uint64_t> sectors;   // one or more: a batch sharing proof, ticket and pieces
    std::string ticket;              // 64 hex
    std::vector<std::string> pieces; // unpadded piece files; none = committed capacity
    bool snap = false;               // seal CC, then update it with `pieces` (SnapDeals)
    std::string out_dir;             // store: sealed/, cache/ (and update/, update-cache/)
    std::string work_dir;            // "" = <out_dir>/.damocles-work; resumes a killed run
    bool keep_intermediate = false;  // keep layers, tree-c, tree-d (a complete work dir)
    bool unsealed = false;           // also unsealed/<id> in lotus' format (the new data with snap)
};

struct PieceSummary {
    std::string cid;
    uint64_t padded_size = 0;
    uint64_t offset = 0;
    std::string source;
};

struct SealResult {
    std::string sector_id;
    uint64_t miner = 0, number = 0, proof_id = 0;
    Bytes32 ticket{}, replica_id{}, comm_d{}, comm_r{}, comm_c{}, comm_r_last{};
    std::string comm_d_cid, comm_r_cid;
    std::string sealed_path, cache_path;
    std::string unsealed_path; // when an unsealed copy was written
    std::vector<PieceSummary> pieces;
    // SnapDeals (snap = true)
    std::optional<Bytes32> comm_d_new, comm_r_new;
    std::string comm_d_new_cid, comm_r_new_cid, update_path, update_cache_path;
    std::vector<PieceSummary> new_pieces;
};

struct VerifyRequest {
    std::string proof, miner, ticket;
    uint64_t sector = 0;
    std::string comm_r; // CID or 64 hex
    std::string comm_d; // optional: CID or 64 hex
    std::string seed;   // optional interactive seed (default: the ticket)
    std::string sealed_path, cache_dir;
    bool cheap_only = false; // tree-r-last / p_aux / comm_r only
};

struct VerifyResult {
    bool valid = false;
    std::string detail; // what was checked, or what failed
};

// Rebuilds a sector offline (no manager) from its registry record (the
// import format of docs/file-formats.md §8) into a store directory, checking
// CommD/CommR against the record before anything is persisted. A surviving
// unsealed copy in the store (with the registered CommD) is the first piece
// source. With `unsealed` the unsealed copy is wanted: decoded from the
// store's sealed (or update) file when it survived, else written by the full
// rebuild; the record's "unsealed" flag adds it to a full rebuild too.
struct OfflineRebuildRequest {
    std::string sector_json; // one sector object of the import format
    std::string store_dir;   // where sealed/ + cache/ (or update/…) go
    std::string work_dir;
    bool unsealed = false;
    std::vector<std::string> local_pieces_dirs;
    // Fetches a piece's recorded http(s):// source into a local file,
    // reading at most `max_bytes` (the piece's unpadded size: a longer body
    // must be refused while it streams). The library has no network client;
    // the CLI supplies one. Unset: such sources are not tried.
    std::function<Status(const std::string &url, uint64_t max_bytes, const std::string &dest)> download;
};

class Framework {
public:
    static Result<std::unique_ptr<Framework>> open(const FrameworkOptions &options);
    ~Framework();
    Framework(const Framework &) = delete;
    Framework &operator=(const Framework &) = delete;

    std::vector<PluginSummary> plugins() const;
    Result<std::vector<SealResult>> seal(const SealRequest &request, ProgressCallback progress = {});
    Result<SealResult> rebuild(const OfflineRebuildRequest &request, ProgressCallback progress = {});
    // valid = false with the reason when the files do not check; an error
    // only for unusable input (bad proof, missing files...).
    Result<VerifyResult> verify(const VerifyRequest &request);
    // Stops the seal/rebuild in progress at its next check point (thread-safe).
    void cancel();

    struct Impl;

private:
    explicit Framework(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace dmc
