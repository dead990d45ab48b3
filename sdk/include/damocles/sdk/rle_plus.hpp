// SPDX-License-Identifier: Apache-2.0
//
// RLE+ (docs/file-formats.md §1.1): Filecoin's run-length encoding of a
// bitfield, as go-bitfield writes it. Here it describes which byte ranges of
// a lotus unsealed sector file hold data. A bitfield is a list of runs of
// alternating value; the encoding is a bit stream, packed least significant
// bit first: a 2-bit version (0), the value of the first run, then each run
// length as "1" (length 1), "01" + 4 bits (2..15) or "00" + an unsigned
// LEB128 varint (16 and more). A trailing run of zeros is not written and
// trailing zero bytes are trimmed, so the empty bitfield is zero bytes.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "damocles/sdk/result.hpp"

namespace dmc {

struct BitRun {
    bool value = false;
    uint64_t length = 0;
    bool operator==(const BitRun &) const = default;
};

// Runs of length 0 are skipped and neighbours of equal value merged before
// encoding, so any description of a bitfield gives its one canonical form.
std::vector<uint8_t> rle_plus_encode(std::span<const BitRun> runs);

// The runs of an encoded bitfield (alternating values, lengths > 0, no
// trailing zero run). Errors (Errc::corrupt): a version other than 0, a
// trailing zero byte (not minimally encoded), a varint longer than 64 bits,
// or lengths whose sum overflows.
Result<std::vector<BitRun>> rle_plus_decode(std::span<const uint8_t> bytes);

} // namespace dmc
