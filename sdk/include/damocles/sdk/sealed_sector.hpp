// SPDX-License-Identifier: Apache-2.0
//
// The files of a sealed sector opened together (memory-mapped, sizes
// checked): the replica and tree-r-last level caches always; the label
// layers, tree-d and tree-c too when the full cache is still there (before
// finalization), which is what vanilla PoRep proofs need.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "damocles/sdk/file.hpp"
#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "damocles/sdk/vanilla_porep.hpp"

namespace dmc {

class SealedSectorFiles {
public:
    // rows_to_discard: from the cache's t_aux when present, else the default.
    static Result<SealedSectorFiles> open(const SealProof &proof, const std::string &cache_dir,
                                          const std::string &replica_path, bool full_cache);
    // True when cache_dir holds every layer file, tree-d and the tree-c files.
    static bool has_full_cache(const SealProof &proof, const std::string &cache_dir);

    const SealedSectorView &view() const { return view_; }
    const SectorTreeLayout &layout() const { return layout_; }

private:
    std::vector<MappedFile> files_;
    SealedSectorView view_;
    SectorTreeLayout layout_;
};

// Cheap check of a persisted sector (no layers needed): rebuilds every
// tree-r-last base tree from the replica, compares each stored node with the
// file, then the compound root with p_aux's comm_r_last, then
// Poseidon2(comm_c, comm_r_last) with `comm_r`. The error names the file and
// node that differ. Returns comm_r_last.
Result<Bytes32> verify_tree_r_last(const SealProof &proof, const std::string &cache_dir,
                                   const std::string &replica_path, const std::optional<Bytes32> &comm_r,
                                   unsigned threads);

} // namespace dmc
