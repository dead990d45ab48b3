// SPDX-License-Identifier: Apache-2.0
//
// From a sector record (what the registry or an offline import holds) to
// what the engine runs (SectorJob): registered CIDs decoded into the values the rebuilt sector
// must reproduce, pieces fetched and verified, the plan chosen from the
// registry's snap flag (not from "snap info present", damocles R6).
#pragma once

#include <memory>
#include <string>

#include "damocles/core/internal/piece_sources.hpp"
#include "damocles/core/internal/sector_record.hpp"
#include "damocles/core/sector_job.hpp"

namespace dmc::core {

// `surviving_replica` (cache-only repair): the sector's sealed file found
// intact-sized in its store; used only when comm_c and comm_r_last are
// registered (otherwise a full rebuild, as the log says).
Result<std::unique_ptr<SectorJob>> make_rebuild_job(const SectorRecord &sector, const std::string &work_dir,
                                                    const PieceSources &sources,
                                                    const std::string &surviving_replica = "");

} // namespace dmc::core
