// SPDX-License-Identifier: Apache-2.0
//
// Writer of the staged (unsealed, fr32-padded) sector file that AddPiece
// builds and PC1/tree_d read (docs/algorithms.md §3.4 byte placement): each piece starts
// at the next multiple of its padded size, gaps are zeros, the file is
// zero-extended to the sector size. A sector without pieces (CC) is all zero.
//
// The file is written through AtomicFileWriter: nothing appears at `path`
// until finish() succeeds. Gaps are left as holes (sparse zeros).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "damocles/sdk/file.hpp"
#include "damocles/sdk/piece.hpp"

namespace dmc {

class StagedSectorWriter {
public:
    // sector_size: a power of two >= 128.
    static Result<StagedSectorWriter> create(const std::string &path, uint64_t sector_size);

    // Adds a piece of unpadded size `piece_unpadded` (127·2^k) whose client
    // data is `payload` (shorter payloads are zero-filled, as lotus does).
    Result<PieceInfo> add_piece(std::span<const uint8_t> payload, uint64_t piece_unpadded);
    // Same, reading exactly `payload_len` bytes from `read`.
    Result<PieceInfo> add_piece(const ReadFn &read, uint64_t payload_len, uint64_t piece_unpadded);

    // Zero-extends to the sector size, fsyncs and renames into place. Returns
    // CommD of the pieces added (with lotus fillers; Z(h) for CC).
    Result<Bytes32> finish();

    const std::vector<PieceInfo> &pieces() const { return pieces_; }
    // Unpadded bytes used so far, alignment gaps included.
    uint64_t written_unpadded() const { return written_unpadded_; }
    uint64_t sector_size() const { return sector_size_; }

private:
    AtomicFileWriter file_;
    uint64_t sector_size_ = 0;
    uint64_t written_unpadded_ = 0;
    std::vector<PieceInfo> pieces_;
    bool finished_ = false;
};

} // namespace dmc
