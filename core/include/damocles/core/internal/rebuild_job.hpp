// SPDX-License-Identifier: Apache-2.0
//
// From a sector record (what the registry or an offline import holds) to
// what the engine runs (SectorJob): registered CIDs decoded into the values the rebuilt sector
// must reproduce, pieces fetched and verified, the plan chosen from the
// registry's snap flag (not from "snap info present", damocles R6) and from
// what survived in the store.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "damocles/core/internal/piece_sources.hpp"
#include "damocles/core/internal/sector_record.hpp"
#include "damocles/core/sector_job.hpp"

namespace dmc::core {

struct RebuildJobOptions {
    // The sector's sealed file, and its updated replica for a snap sector,
    // found with the sector's size in its store ("" = not there).
    std::string surviving_sealed;
    std::string surviving_update;
    // `rebuild --unsealed`: the unsealed copy is what is wanted. With the
    // sealed file (update file for a snap sector) still there it is decoded
    // from it (the unseal plan); otherwise the full rebuild writes it too.
    bool unsealed = false;
    // unsealed/<id> paths in the attached stores, tried as the first piece
    // source (unsealed_copy.hpp).
    std::vector<std::string> unsealed_copies;
};

// The plan, in order: unseal (options.unsealed and the replica survived);
// cache-only repair (not upgraded, the sealed file survived, comm_c and
// comm_r_last registered); else a full rebuild (cc, deal or snap). Every
// rebuild but the cache-only repair writes the unsealed copy when
// options.unsealed or the record's keep_unsealed flag asks for it.
Result<std::unique_ptr<SectorJob>> make_rebuild_job(const SectorRecord &sector, const std::string &work_dir,
                                                    const PieceSources &sources, const RebuildJobOptions &options = {});

// One line naming where the job's pieces come from ("" for CC and unseal),
// for `sectors state` (docs/architecture.md §11.2).
std::string pieces_source_summary(const SectorJob &job);

} // namespace dmc::core
