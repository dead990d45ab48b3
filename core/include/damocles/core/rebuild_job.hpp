// SPDX-License-Identifier: Apache-2.0
//
// From what the manager hands out (RebuildTask) to what the engine runs
// (SectorJob): registered CIDs decoded into the values the rebuilt sector
// must reproduce, pieces fetched and verified, the plan chosen from the
// registry's snap flag (not from "snap info present", damocles R6).
#pragma once

#include <memory>
#include <string>

#include "damocles/core/piece_fetcher.hpp"
#include "damocles/core/rebuild_task.hpp"
#include "damocles/core/sector_job.hpp"

namespace dmc::core {

Result<std::unique_ptr<SectorJob>> make_rebuild_job(const RebuildTask &task, const std::string &work_dir,
                                                    const PieceSources &sources);

} // namespace dmc::core
