// SPDX-License-Identifier: Apache-2.0
//
// Standard base64 (RFC 4648 §4, '+' '/', '=' padding): how Go's encoding/json
// writes a []byte, hence how Lotus sends tickets, randomness and proofs.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "damocles/sdk/result.hpp"

namespace dmc::service::chain {

std::string base64_encode(std::span<const uint8_t> bytes);

// Strict: the length is a multiple of 4, padding only at the end, no
// whitespace, and the unused bits of the last symbol are zero (Go never
// writes anything else). Errors name the offending position.
Result<std::vector<uint8_t>> base64_decode(std::string_view text);

} // namespace dmc::service::chain
