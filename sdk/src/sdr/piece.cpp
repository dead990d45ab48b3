// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/piece.hpp"

#include <string>

#include "damocles/sdk/sha254.hpp"

namespace dmc {

bool is_valid_unpadded_piece_size(uint64_t unpadded)
{
    return unpadded >= 127 && unpadded % 127 == 0 && is_power_of_two(unpadded / 127);
}

Result<uint64_t> padded_piece_size(uint64_t unpadded)
{
    if (!is_valid_unpadded_piece_size(unpadded)) {
        const uint64_t up = piece_size_for_payload(unpadded);
        std::string hint = "use " + std::to_string(up);
        if (up > 127) hint = "use " + std::to_string(up / 2) + " or " + std::to_string(up);
        return make_error(Errc::invalid_argument,
                          "unpadded piece size " + std::to_string(unpadded) + " is not 127*2^k bytes (" + hint + ")");
    }
    return unpadded / 127 * 128;
}

Result<uint64_t> unpadded_piece_size(uint64_t padded)
{
    if (padded < 128 || !is_power_of_two(padded))
        return make_error(Errc::invalid_argument,
                          "padded piece size " + std::to_string(padded) + " is not a power of two >= 128");
    return padded / 128 * 127;
}

uint64_t piece_size_for_payload(uint64_t payload)
{
    uint64_t size = 127;
    while (size < payload) size *= 2;
    return size;
}

PieceAlignment get_piece_alignment(uint64_t written_unpadded, uint64_t piece_unpadded)
{
    const uint64_t needed = piece_size_for_payload(piece_unpadded);
    PieceAlignment a;
    a.left_bytes = (needed - written_unpadded % needed) % needed;
    a.right_bytes = needed - piece_unpadded;
    return a;
}

uint64_t sum_piece_bytes_with_alignment(std::span<const uint64_t> pieces_unpadded)
{
    uint64_t written = 0;
    for (uint64_t piece : pieces_unpadded) {
        const PieceAlignment a = get_piece_alignment(written, piece);
        written += a.left_bytes + piece + a.right_bytes;
    }
    return written;
}

uint64_t get_piece_start_byte(std::span<const uint64_t> previous_unpadded, uint64_t piece_unpadded)
{
    const uint64_t written = sum_piece_bytes_with_alignment(previous_unpadded);
    return written + get_piece_alignment(written, piece_unpadded).left_bytes;
}

Result<Bytes32> zero_piece_commitment(uint64_t padded_size)
{
    if (padded_size < 32 || !is_power_of_two(padded_size))
        return make_error(Errc::invalid_argument,
                          "zero piece size " + std::to_string(padded_size) + " is not a power of two >= 32");
    return zero_comm(log2_floor(padded_size / 32));
}

} // namespace dmc
