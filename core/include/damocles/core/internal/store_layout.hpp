// SPDX-License-Identifier: Apache-2.0
//
// Files of a sector in a persist store (docs/file-formats.md §1, lotus/damocles
// compatible) and the sizes the manager expects before it accepts them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "damocles/core/internal/sector_record.hpp"
#include "damocles/sdk/proof.hpp"

namespace dmc::core {

struct StoreFile {
    std::string relative_path; // "sealed/s-t01001-1", "cache/s-t01001-1/p_aux", ...
    uint64_t size = 0;         // exact expected size; 0 = any non-zero size (t_aux)
};

// rows_to_discard used by default for tree-r-last (docs/algorithms.md §10.7).
uint32_t default_rows_to_discard(const SealProof &proof);
// Nodes stored per tree-r-last file for a given rows_to_discard.
uint64_t tree_r_last_file_nodes(const SealProof &proof, uint32_t rows_to_discard);
// "sc-02-data-tree-r-last.dat" or "sc-02-data-tree-r-last-<i>.dat" names.
std::vector<std::string> tree_r_last_file_names(const SealProof &proof);

// What a persist wrote (what SubmitPersistedEx is told).
struct PersistedSet {
    bool upgrade = false;       // update/ + update-cache/ instead of sealed/ + cache/
    bool unsealed = false;      // also unsealed/<id>
    bool unsealed_only = false; // only unsealed/<id> (the unseal plan)
    bool cache_only = false;    // a cache-only repair: no synthetic proofs file (no layers to prove from)
};

// unsealed/<id>: the sector's padded data and the full-allocation trailer
// (docs/file-formats.md §1.1).
StoreFile unsealed_store_file(const SealProof &proof, const SectorKey &key);

// Files a sealed (upgrade=false) or snap-updated (upgrade=true) sector must
// have in a store: sealed/ + cache/ or update/ + update-cache/; the cache of
// a synthetic-PoRep sector holds its synthetic proofs file too.
std::vector<StoreFile> persisted_files(const SealProof &proof, const SectorKey &key, bool upgrade);
std::vector<StoreFile> persisted_files(const SealProof &proof, const SectorKey &key, const PersistedSet &set);

// Checks presence and sizes under `store_root`; the error names the first
// missing or wrong-sized file.
Status check_persisted_files(const std::string &store_root, const SealProof &proof, const SectorKey &key, bool upgrade);
Status check_persisted_files(const std::string &store_root, const SealProof &proof, const SectorKey &key,
                             const PersistedSet &set);

} // namespace dmc::core
