// SPDX-License-Identifier: Apache-2.0
//
// For plugin authors: the inputs of the PC2 tree stages, checked and opened
// the same way by every plugin (cpu, avx512, gpu), so that a bad argument or
// a missing or short file gives the same one-line error whichever plugin the
// registry selected.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "damocles/plugin.h"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/result.hpp"
#include "damocles/sdk/tree_files.hpp"

namespace dmc {

// tree_c: the proof, its layout and every label layer of cache_dir, mapped
// for sequential reading.
struct TreeCInputs {
    const SealProof *proof = nullptr;
    SectorTreeLayout layout;
    std::string cache_dir;
    std::vector<MappedFile> layers;
};
Result<TreeCInputs> open_tree_c_inputs(const dmc_tree_c_args *args);

// tree_r_last: the proof and layout (rows_to_discard from the args), and
// either the existing replica (DMC_TREE_R_BUILD_ONLY, sector-sized) or the
// key (last layer, sector-sized) and the staged data (at most a sector;
// absent for CC). All mapped for sequential reading.
struct TreeRLastInputs {
    const SealProof *proof = nullptr;
    SectorTreeLayout layout;
    bool build_only = false;
    MappedFile replica; // build_only
    MappedFile key;     // !build_only
    MappedFile data;    // !build_only && have_data
    bool have_data = false;
};
Result<TreeRLastInputs> open_tree_r_last_inputs(const dmc_tree_r_last_args *args);

// The replica a CPU tree_r_last stage builds its trees over: with
// build_only the existing file; otherwise key + data encoded into a mapped
// temporary of args->replica_path (encode_replica_chunked, progress in
// nodes), which publish_replica() commits — before the tree files, so that
// trees never describe a replica that is not there.
struct ReplicaForTrees {
    AtomicFileWriter file; // empty with build_only
    MappedFile mapped;     // what the trees read
    const uint8_t *data() const { return mapped.data(); }
};
Result<ReplicaForTrees> replica_for_trees(const dmc_tree_r_last_args *args, TreeRLastInputs &inputs,
                                          const std::function<bool(uint64_t)> &progress);
Status publish_replica(ReplicaForTrees &replica);

} // namespace dmc
