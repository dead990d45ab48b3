// SPDX-License-Identifier: Apache-2.0
//
// Text output of `util sealer sectors state` and `sectors list`, laid out
// as damocles prints them (docs/architecture.md §11.2), with two deliberate
// differences: the state change names its real event (not "by None", R9) and
// a rebuild in progress shows percent and ETA.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace dmc::cli {

// `sector` is a Venus.FindSectorInAllStates / ListSectors entry.
std::string format_sector_state(const nlohmann::json &sector);
// One "s-t0M-N(marks):" block of `sectors list`.
std::string format_sector_list_entry(const nlohmann::json &sector);
// "12m31s", "3h02m", "45s"; "-" for negative.
std::string format_duration(int64_t seconds);
// "16 MiB", "1.5 GiB".
std::string format_bytes(uint64_t bytes);

} // namespace dmc::cli
