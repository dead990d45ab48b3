// SPDX-License-Identifier: Apache-2.0
//
// The tree_r_last level caches over a replica (docs/algorithms.md §10.7):
// one arity-8 Poseidon base tree per base range, rows rows_to_discard+1..k
// stored in sc-02-data-tree-r-last[-i].dat temporaries that the caller
// commits once everything they describe is durable. Shared by the tree_r_last
// and snap_encode stages.
#pragma once

#include <cstdint>
#include <vector>

#include "damocles/sdk/file.hpp"
#include "damocles/sdk/fr.hpp"
#include "damocles/sdk/stage_support.hpp"
#include "damocles/sdk/tree_files.hpp"

namespace dmc::cpu {

struct TreeRBuild {
    std::vector<AtomicFileWriter> files; // uncommitted, one per base tree
    Fr root = Fr::zero();                // comm_r_last
};

// progress units: base_tree_count * (hashes per base tree), starting at `base`.
Result<TreeRBuild> build_tree_r_last_files(const SealProof &proof, const SectorTreeLayout &layout,
                                           const uint8_t *replica, const std::string &tree_dir, unsigned threads,
                                           plugin::ProgressRelay &progress, uint64_t base);

} // namespace dmc::cpu
