// SPDX-License-Identifier: Apache-2.0
//
// Lotus' JSON encodings that both directions need: CIDs as {"/": "<cid>"},
// tipset keys as an array of CIDs (null = the heaviest tipset, "the head"),
// big ints as decimal strings.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "damocles/sdk/result.hpp"

namespace dmc::service::chain {

// A CIDv1 in multibase base32 lower case ("b…"), as Lotus prints every CID:
// version 1, a codec, a multihash whose digest length matches the rest, no
// trailing bytes. CIDv0 ("Qm…") is refused: Lotus never writes one here.
Status check_cid_string(std::string_view cid);

nlohmann::json cid_json(std::string_view cid);

// A set of block CIDs naming one tipset. Empty: the head (sent as null).
struct TipSetKey {
    std::vector<std::string> cids;
    bool is_head() const { return cids.empty(); }
    bool operator==(const TipSetKey &) const = default;
};

nlohmann::json tipset_key_json(const TipSetKey &key);

// "0", "-12", "340282366920938463463374607431768211456": optional '-', then
// digits without a leading zero (Go big.Int's text form).
bool is_decimal_big_int(std::string_view text);

// At most `limit` bytes of `text` for an error message: printable ASCII kept,
// anything else (control bytes, UTF-8 that a cut could split) as '?', and
// "..." when cut. Error messages end up in logs and in JSON.
std::string printable_excerpt(std::string_view text, size_t limit = 80);
// The same in double quotes.
std::string quoted_excerpt(std::string_view text, size_t limit = 80);

} // namespace dmc::service::chain
