// SPDX-License-Identifier: Apache-2.0
//
// `--sectors RANGE` of the importers: "7", "1-100", "1-10,15,20-22".
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "damocles/sdk/result.hpp"

namespace dmc::service::importers {

// At most this many sector numbers in one range (a typo like 1-1000000000
// must not start a billion calls).
inline constexpr uint64_t kMaxRangeSectors = 1'000'000;

// Sorted, without duplicates. Errors name the part that is wrong.
Result<std::vector<uint64_t>> parse_sector_range(std::string_view text);

} // namespace dmc::service::importers
