// SPDX-License-Identifier: Apache-2.0
//
// fr32 padding (docs/algorithms.md §2): two zero bits after every 254 data bits so that
// every 32-byte node is a valid BLS12-381 scalar. 127 raw bytes become 128
// padded bytes (four nodes); blocks are independent.
//
// Span helpers handle data in memory; Fr32Padder / Fr32Unpadder work chunk by
// chunk on streams of any length (pieces far larger than RAM), producing
// exactly the bytes of the span helpers whatever the chunking.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "damocles/sdk/result.hpp"

namespace dmc {

inline constexpr size_t kFr32RawBlock = 127;
inline constexpr size_t kFr32PaddedBlock = 128;

// Exact size conversions of docs/algorithms.md §2.3 (byte offsets of the bit stream):
// ceil when padding, floor when unpadding.
uint64_t to_padded_bytes(uint64_t unpadded);
uint64_t to_unpadded_bytes(uint64_t padded);

// One block: 127 raw bytes -> 128 padded bytes, and back. fr32_unpad_block
// ignores the two top bits of each node (callers check them when it matters).
void fr32_pad_block(const uint8_t *raw127, uint8_t *padded128);
void fr32_unpad_block(const uint8_t *padded128, uint8_t *raw127);
// `blocks` consecutive blocks.
void fr32_pad_blocks(const uint8_t *raw, uint8_t *padded, size_t blocks);

// Output length of fr32_pad for `raw_len` input bytes: whole blocks give 128
// bytes each; a partial final block gives ceil(bits / 254) nodes (§2.2).
uint64_t fr32_padded_length(uint64_t raw_len);

// Pads like the upstream reader (§2.2): whole 32-byte nodes only, the partial
// final block zero-filled.
std::vector<uint8_t> fr32_pad(std::span<const uint8_t> raw);

// Inverse of fr32_pad: returns the first `raw_len` bytes of the unpadded
// stream. Errors when raw_len exceeds what `padded` holds or a node has one
// of its two top bits set (not fr32 data).
Result<std::vector<uint8_t>> fr32_unpad(std::span<const uint8_t> padded, uint64_t raw_len);

// True when the node's two top bits are zero (every fr32 node satisfies it).
inline bool is_fr32_node(const uint8_t *node32) { return (node32[31] & 0xc0) == 0; }

// True when the 32 bytes, read little-endian, are below the BLS12-381 scalar
// modulus r (a canonical Fr encoding, docs/algorithms.md §0).
bool is_canonical_fr(const uint8_t *le32);

// Streaming padder. write() appends to `out` the padded form of every block
// completed so far; finish() appends the partial final block (if any).
class Fr32Padder {
public:
    void write(std::span<const uint8_t> raw, std::vector<uint8_t> &out);
    void finish(std::vector<uint8_t> &out);
    uint64_t raw_bytes() const { return raw_bytes_; }

private:
    uint8_t tail_[kFr32RawBlock] = {};
    size_t tail_len_ = 0;
    uint64_t raw_bytes_ = 0;
};

// Streaming unpadder for fr32 data (e.g. an unsealed sector): write()
// appends to `out` the raw bytes of every completed 128-byte block, finish()
// those of a partial final block (floor, like to_unpadded_bytes). A node with
// a top bit set is an error.
class Fr32Unpadder {
public:
    Status write(std::span<const uint8_t> padded, std::vector<uint8_t> &out);
    Status finish(std::vector<uint8_t> &out);
    // Padded bytes unpadded so far (a partial block counts once finish() ran).
    uint64_t padded_bytes() const { return padded_bytes_; }

private:
    uint8_t tail_[kFr32PaddedBlock] = {};
    size_t tail_len_ = 0;
    uint64_t padded_bytes_ = 0;
    static Status unpad_checked(const uint8_t *block, uint8_t *raw, uint64_t first_node);
};

} // namespace dmc
