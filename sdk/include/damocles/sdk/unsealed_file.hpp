// SPDX-License-Identifier: Apache-2.0
//
// lotus' unsealed sector file, unsealed/s-t0M-N (docs/file-formats.md §1.1):
// the fr32-padded sector data at full sector size (the staged sector of
// §4.2), then a trailer saying which byte ranges hold data (a "partial file"
// in lotus): an RLE+ bitfield over the padded bytes (rle_plus.hpp) and its
// length as u32 little-endian. A file of exactly the sector size (no trailer)
// is read by lotus as fully allocated.
//
// This project writes complete copies: every byte allocated, the trailer
// lotus itself writes after unsealing a whole sector.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/result.hpp"
#include "damocles/sdk/rle_plus.hpp"

namespace dmc {

// RLE+ of one allocated run [0, sector_size) followed by its u32 LE length.
std::vector<uint8_t> full_unsealed_trailer(uint64_t sector_size);

// Writes `dest` atomically (temporary, fsync, rename): the first
// sector_size bytes of `data_path` (zero-extended when shorter; holes stay
// holes) followed by the full trailer.
Status write_unsealed_file(const std::string &data_path, const std::string &dest, uint64_t sector_size);

struct UnsealedFileLayout {
    bool has_trailer = false;
    std::vector<BitRun> allocated; // over the padded bytes [0, sector_size)
    // Bytes marked allocated (all of them for a file without a trailer).
    uint64_t allocated_bytes() const;
};

// Checks an unsealed file the way lotus opens one: at least sector_size
// bytes; without a trailer exactly sector_size; with one, its length must
// match the file and it must decode and stay within the sector.
Result<UnsealedFileLayout> read_unsealed_layout(const std::string &path, uint64_t sector_size);

// CommD of the data region: the SHA-254 tree root over the first
// sector_size bytes, streamed (all-zero chunks are not hashed).
Result<Bytes32> unsealed_data_comm_d(const std::string &path, uint64_t sector_size);

} // namespace dmc
