// SPDX-License-Identifier: Apache-2.0
//
// Writing a finished sector into a store in the lotus/damocles layout
// (docs/file-formats.md §1): sealed/<id> + cache/<id>/{p_aux, t_aux, tree-r-last}
// (or update/ + update-cache/ for snap), the synthetic proofs file of a
// synthetic-PoRep sector, and unsealed/<id> when asked. Every file lands under a temporary
// name in its final directory, is fsynced, then renamed; a file already in
// place is replaced only by a complete one. The work files are never moved
// away (linked or copied), so a persist killed at any point is simply done
// again; temporaries a killed persist left are removed. t_aux is written for the cache
// directory it ends up in, so the same sector persisted to the same store
// path is byte-identical whoever sealed it.
#pragma once

#include <functional>
#include <string>

#include "damocles/core/sector_job.hpp"

namespace dmc::core {

struct PersistOptions {
    bool upgrade = false;       // update/ + update-cache/ from the snap outputs
    bool move = true;           // hard-link within a filesystem instead of copying
    bool cache_only = false;    // the replica is already in the store (cache-only repair)
    bool unsealed = false;      // also unsealed/<id>, written first
    bool unsealed_only = false; // only unsealed/<id> (the unseal plan)
};

// What a rebuild of `job` persists: its plan decides (snap: the update;
// cache_only: the cache; unseal: the unsealed copy), job.write_unsealed adds
// the unsealed copy.
PersistOptions persist_options_for(const SectorJob &job);

Status persist_sector_files(const SectorJob &job, const std::string &store_root, const PersistOptions &opts = {});

// unsealed/<id> from job.unsealed_data_path(), in lotus' format with the
// full-allocation trailer (docs/file-formats.md §1.1), placed atomically.
Status persist_unsealed_copy(const SectorJob &job, const std::string &store_root);

// Places src at dst atomically, keeping src: with `move` and both on one
// filesystem, a hard link renamed into place; otherwise a copy (temporary
// + fsync + rename). `halfway` (may be empty) runs once half of a copy is
// written (fault tests).
Status place_file(const std::string &src, const std::string &dst, bool move,
                  const std::function<Status()> &halfway = {});

} // namespace dmc::core
