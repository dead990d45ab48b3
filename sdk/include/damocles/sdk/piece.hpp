// SPDX-License-Identifier: Apache-2.0
//
// Piece sizes and placement (docs/algorithms.md §2.3, §3.2, §3.4). A piece has an
// unpadded size of 127·2^k bytes and a padded size of 128·2^k (a power of two
// >= 128); it is placed in a sector at the next multiple of its own padded
// size, the gap being zeros (upstream `get_piece_alignment`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc {

// A piece as listed in a deal / PC1 input: its commitment (CommP) and padded size.
struct PieceInfo {
    Bytes32 comm{};
    uint64_t padded_size = 0;
};

// Pull-style byte source: fills up to buf.size() bytes, returns how many
// (0 = end of stream).
using ReadFn = std::function<Result<size_t>(std::span<uint8_t> buf)>;

inline bool is_power_of_two(uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }
// floor(log2(x)) for x > 0.
inline unsigned log2_floor(uint64_t x) { return 63u - static_cast<unsigned>(__builtin_clzll(x)); }

// True for 127·2^k (k >= 0).
bool is_valid_unpadded_piece_size(uint64_t unpadded);
// 127·2^k -> 128·2^k; anything else is an error naming the nearest legal sizes.
Result<uint64_t> padded_piece_size(uint64_t unpadded);
// 128·2^k -> 127·2^k; error unless a power of two >= 128.
Result<uint64_t> unpadded_piece_size(uint64_t padded);
// Smallest legal unpadded piece size (127·2^k) holding `payload` bytes
// (127 for an empty payload).
uint64_t piece_size_for_payload(uint64_t payload);

// Zero bytes to write before (left) and after (right) a piece of
// `piece_unpadded` bytes when `written_unpadded` bytes are already in the
// sector, all in unpadded units: needed = smallest 127·2^k >= piece (min 127),
// left = (needed - written mod needed) mod needed, right = needed - piece.
struct PieceAlignment {
    uint64_t left_bytes = 0;
    uint64_t right_bytes = 0;
};
PieceAlignment get_piece_alignment(uint64_t written_unpadded, uint64_t piece_unpadded);

// Unpadded bytes a sequence of pieces occupies, alignment gaps included.
uint64_t sum_piece_bytes_with_alignment(std::span<const uint64_t> pieces_unpadded);
// Unpadded offset at which `piece_unpadded` starts after `previous_unpadded`.
uint64_t get_piece_start_byte(std::span<const uint64_t> previous_unpadded, uint64_t piece_unpadded);

// Commitment of a piece of `padded_size` zero bytes: Z(log2(padded_size/32)).
// padded_size must be a power of two >= 32.
Result<Bytes32> zero_piece_commitment(uint64_t padded_size);

} // namespace dmc
