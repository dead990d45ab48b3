// SPDX-License-Identifier: Apache-2.0
//
// What the SQL backends share: column encodings (hashes as hex text, id
// lists as "1,2,3", the last reported state as JSON) and the import policy.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "service/registry/registry_types.hpp"

namespace dmc::service::codec {

std::optional<std::string> opt_hex(const std::optional<Bytes32> &v);
std::optional<Bytes32> opt_bytes32(const std::optional<std::string> &hex);
std::string id_list(const std::vector<uint64_t> &ids);
std::vector<uint64_t> parse_id_list(const std::string &s);
// The last reported state as JSON: stored by the SQL backends, sent by
// workers in Venus.ReportState, returned by Venus.FindSectorInAllStates.
nlohmann::json latest_state_to_json(const LatestState &s);
LatestState latest_state_from_json(const nlohmann::json &j);
std::string latest_state_json(const LatestState &s);
std::optional<LatestState> parse_latest_state(const std::optional<std::string> &json);
// Sector records compare equal for import purposes (the registered truth
// only: lifecycle fields and the reported state are ignored; `store`,
// `comm_c` and `comm_r_last` of `b`, the import, only when it gives them).
bool same_registered_values(const SectorRecord &a, const SectorRecord &b);
// The first registered value that differs, with both values ("comm_r:
// registered bagboea…, imported bagboea…"); "" when they are the same.
std::string registered_values_difference(const SectorRecord &registered, const SectorRecord &imported);
// Importing `record` over what the registry holds: unchanged (nothing to
// write), added, or replaced (the existing row is deleted and `to_write`,
// which keeps the existing lifecycle, reported state and store, written).
// Different values without `replace`, or a sector being rebuilt, conflict;
// the error names the first difference with both values.
struct ImportPlan {
    ImportOutcome outcome = ImportOutcome::added;
    SectorRecord to_write;
};
Result<ImportPlan> plan_import(const std::optional<SectorRecord> &existing, const SectorRecord &record, bool replace);

} // namespace dmc::service::codec
