// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "damocles/sdk/result.hpp"

namespace dmc {

using Bytes32 = std::array<uint8_t, 32>;

// Lower-case hex of a byte string, in memory order.
std::string to_hex(std::span<const uint8_t> bytes);

// Parses hex (optionally prefixed by 0x, either case). Odd length or a
// non-hex character is an error naming the offending position.
Result<std::vector<uint8_t>> from_hex(std::string_view hex);

// Parses exactly 32 bytes of hex ("expected 64 hex characters").
Result<Bytes32> bytes32_from_hex(std::string_view hex);

} // namespace dmc
