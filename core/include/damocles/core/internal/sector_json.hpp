// SPDX-License-Identifier: Apache-2.0
//
// The registry import format (docs/file-formats.md §8): what a provider exports
// from their chain node and old sealer DB, and what `damocles-run seal
// --json` prints as "sector". Parsing is strict: unknown keys are rejected
// with their name, every CID is decoded and checked for its kind.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "damocles/core/internal/sector_record.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc::core {

// {"sectors": [ ... ]} -> records (online=false, finalized=true).
Result<std::vector<SectorRecord>> parse_sector_import(const nlohmann::json &doc);
Result<SectorRecord> parse_sector_object(const nlohmann::json &obj, const std::string &where = "sector");

// One sector in the import format.
nlohmann::json sector_to_json(const SectorRecord &record);

} // namespace dmc::core
