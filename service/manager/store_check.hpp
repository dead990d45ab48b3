// SPDX-License-Identifier: Apache-2.0
//
// `sectors check --store` (docs/architecture.md §14.2): every sector the
// registry places in a persist store, classified by what is left of its
// files, with the repair each needs, and the files no record names.
//
// Without --deep it reads metadata only: file sizes, p_aux and t_aux, and
// the last node (the root) of each tree-r-last file, so ten thousand
// sectors take seconds. The tree-r-last roots must give p_aux's comm_r_last
// and Poseidon_2(comm_c, comm_r_last) the registered CommR (comm_r_new for a
// SnapDeals update). --deep also samples replica nodes and proves each up
// the tree-r-last to comm_r_last, as `lotus-miner proving check --slow`
// proves sampled leaves.
//
// An ok sector whose record lacks comm_c/comm_r_last gets them from its
// p_aux (which just gave the registered CommR): a later cache-only repair can
// then be checked.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "damocles/core/internal/sector_record.hpp"
#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/result.hpp"
#include "service/registry/registry_store.hpp"

namespace dmc::service {

enum class SectorHealth {
    ok,
    sealed_missing, // the replica is gone: full rebuild
    sealed_corrupt, // wrong size, or (--deep) a sampled node does not prove
    cache_missing,  // cache/ or a file in it is gone
    cache_corrupt,  // p_aux/t_aux unreadable, tree-r-last size or root wrong
    update_missing, // SnapDeals: update/ or update-cache/ (or a file in it) is gone
    unregistered,   // a file in the store that no record of the store names
};

enum class RepairAction { none, rebuild, repair_cache, inspect };

// "ok", "sealed-missing", …; "none", "rebuild", "repair-cache", "inspect".
const char *sector_health_name(SectorHealth health);
const char *repair_action_name(RepairAction action);

struct TreeRoots {
    Bytes32 comm_c{};
    Bytes32 comm_r_last{};
};

struct SectorFileCheck {
    std::optional<core::SectorKey> key; // none: an unregistered file not named like a sector
    SectorHealth health = SectorHealth::ok;
    RepairAction action = RepairAction::none;
    std::string detail;                      // what is wrong, naming the file
    std::string file;                        // unregistered: the path inside the store
    std::optional<TreeRoots> roots_to_learn; // ok, and the record had no comm_c/comm_r_last
};

struct StoreCheckOptions {
    bool deep = false;
    unsigned deep_samples = 16; // replica nodes proved per sector with --deep
    std::optional<uint64_t> miner;
};

// One registered sector's files under `store_root` (sealed/ + cache/, or
// update/ + update-cache/ for a SnapDeals sector, whose sector key files may
// have been released).
SectorFileCheck check_sector_files(const std::string &store_root, const core::SectorRecord &record,
                                   const StoreCheckOptions &options);

// (--deep) Proves `samples` random nodes of the replica up its tree-r-last
// (level cache + replica, as merkletree's cached proofs do) to comm_r_last.
// The error names the node and what failed.
Status prove_sampled_nodes(const SealProof &proof, const std::string &cache_dir, const std::string &replica_path,
                           const Bytes32 &comm_r_last, unsigned samples);

// Files under the store's sealed/, cache/, update/, update-cache/ and
// unsealed/ that no sector registered in `store_name` names. `registered`
// maps every registered sector to its store, so a copy left behind in the
// wrong store says where the sector is registered.
std::vector<SectorFileCheck> find_unregistered_files(const std::string &store_root, const std::string &store_name,
                                                     const std::map<core::SectorKey, std::string> &registered,
                                                     const std::optional<uint64_t> &miner);

struct StoreCheckReport {
    std::string store; // name
    std::string path;
    std::vector<SectorFileCheck> sectors; // registered sectors (by key), then unregistered files
    size_t roots_learnt = 0;
};

// The store by name or path (as attached), the sectors the registry places
// in it, their files, the unregistered files; records comm_c/comm_r_last
// learnt from intact p_aux files.
Result<StoreCheckReport> check_store(RegistryStore &registry, const std::string &store_name_or_path,
                                     const StoreCheckOptions &options);

} // namespace dmc::service
