// SPDX-License-Identifier: Apache-2.0
//
// CommD of a sector from its ordered piece list (docs/algorithms.md §3.4): the upstream
// stack algorithm (`compute_comm_d`, go-commp-utils `PieceAggregateCommP`)
// applied to the list as lotus passes it, i.e. with zero "filler" pieces so
// that the pieces cover the whole sector. The result equals the root of the
// binary tree over the staged sector bytes (what tree_d computes).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "damocles/sdk/piece.hpp"

namespace dmc {

// The lotus list: before each piece, zero pieces whose sizes are the set bits
// of (-sum) mod piece.size (smallest first); after the last piece, those of
// (-sum) mod sector_size; an empty list becomes one zero piece of the sector's
// size (a CC sector). Errors: sector size not a power of two >= 128, a
// piece size not a power of two >= 128, pieces not fitting the sector.
Result<std::vector<PieceInfo>> pieces_with_fillers(uint64_t sector_size, std::span<const PieceInfo> pieces);

// CommD of a sector holding `pieces` in order (fillers added as above; an
// empty list is a committed-capacity sector: Z(log2(sector_size/32))).
Result<Bytes32> compute_comm_d(uint64_t sector_size, std::span<const PieceInfo> pieces);

} // namespace dmc
