// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/comm_d.hpp"

#include <string>

#include "damocles/sdk/sha254.hpp"

namespace dmc {

namespace {

Status check_sector_size(uint64_t sector_size)
{
    if (sector_size < 128 || !is_power_of_two(sector_size))
        return make_error(Errc::invalid_argument,
                          "sector size " + std::to_string(sector_size) + " is not a power of two >= 128");
    return {};
}

void append_zero_pieces(uint64_t gap, std::vector<PieceInfo> &out)
{
    // Set bits of the gap, smallest first: each one lands naturally aligned.
    for (unsigned b = 0; b < 64 && gap != 0; ++b) {
        const uint64_t size = uint64_t(1) << b;
        if (gap & size) {
            out.push_back(PieceInfo{zero_comm(log2_floor(size / 32)), size});
            gap &= ~size;
        }
    }
}

// docs/algorithms.md §3.4 push_and_reduce.
void push_and_reduce(std::vector<PieceInfo> &stack, PieceInfo piece)
{
    stack.push_back(piece);
    while (stack.size() >= 2 && stack[stack.size() - 1].padded_size == stack[stack.size() - 2].padded_size) {
        const PieceInfo right = stack.back();
        stack.pop_back();
        PieceInfo &left = stack.back();
        left.comm = sha254_node(left.comm, right.comm);
        left.padded_size += right.padded_size;
    }
}

PieceInfo zero_piece(uint64_t size) { return PieceInfo{zero_comm(log2_floor(size / 32)), size}; }

} // namespace

Result<std::vector<PieceInfo>> pieces_with_fillers(uint64_t sector_size, std::span<const PieceInfo> pieces)
{
    DMC_TRY_VOID(check_sector_size(sector_size));
    if (pieces.size() > sector_size / 128)
        return make_error(Errc::invalid_argument, std::to_string(pieces.size()) + " pieces cannot fit a sector of " +
                                                      std::to_string(sector_size) + " bytes (at most " +
                                                      std::to_string(sector_size / 128) + ")");
    std::vector<PieceInfo> out;
    uint64_t sum = 0;
    for (size_t i = 0; i < pieces.size(); ++i) {
        const uint64_t size = pieces[i].padded_size;
        if (size < 128 || !is_power_of_two(size))
            return make_error(Errc::invalid_argument, "piece " + std::to_string(i) + " has padded size " +
                                                          std::to_string(size) + ", not a power of two >= 128");
        if (size > sector_size)
            return make_error(Errc::invalid_argument, "piece " + std::to_string(i) + " (" + std::to_string(size) +
                                                          " bytes) is larger than the sector (" +
                                                          std::to_string(sector_size) + " bytes)");
        const uint64_t gap = (size - sum % size) % size;
        if (sum + gap + size > sector_size)
            return make_error(Errc::invalid_argument, "pieces do not fit the sector: piece " + std::to_string(i) +
                                                          " would end at " + std::to_string(sum + gap + size) + " of " +
                                                          std::to_string(sector_size) + " padded bytes");
        append_zero_pieces(gap, out);
        out.push_back(pieces[i]);
        sum += gap + size;
    }
    // An empty list is a CC sector: one zero piece of the sector's size, as
    // lotus passes it.
    append_zero_pieces(pieces.empty() ? sector_size : (sector_size - sum % sector_size) % sector_size, out);
    return out;
}

Result<Bytes32> compute_comm_d(uint64_t sector_size, std::span<const PieceInfo> pieces)
{
    std::vector<PieceInfo> full;
    DMC_TRY_ASSIGN(full, pieces_with_fillers(sector_size, pieces)); // never empty
    std::vector<PieceInfo> stack;
    stack.push_back(full.front());
    for (size_t i = 1; i < full.size(); ++i) {
        while (stack.back().padded_size < full[i].padded_size)
            push_and_reduce(stack, zero_piece(stack.back().padded_size));
        push_and_reduce(stack, full[i]);
    }
    while (stack.size() > 1) push_and_reduce(stack, zero_piece(stack.back().padded_size));
    if (stack.front().padded_size != sector_size)
        return make_error(Errc::internal, "piece tree covers " + std::to_string(stack.front().padded_size) +
                                              " bytes instead of the sector's " + std::to_string(sector_size));
    return stack.front().comm;
}

} // namespace dmc
