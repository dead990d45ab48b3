// SPDX-License-Identifier: Apache-2.0
//
// Piece commitment (docs/algorithms.md §3.2): right-fill the client data with zeros to
// the piece size 127·2^k, fr32-pad it, and take the root of the binary
// SHA-254 tree over the padded nodes.
//
// CommPHasher streams: it keeps the padded bytes of the current batch plus a
// stack of completed subtree roots (at most one per height), so memory stays
// O(batch + log n) for pieces of any size. The zero fill is not hashed byte by
// byte: aligned zero subtrees are Z(h) from the zero-commitment table.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "damocles/sdk/fr32.hpp"
#include "damocles/sdk/piece.hpp"

namespace dmc {

class CommPHasher {
public:
    CommPHasher();

    // Feeds unpadded client bytes.
    void update(std::span<const uint8_t> raw);
    uint64_t payload_bytes() const { return padder_.raw_bytes(); }

    // Completes the piece at the smallest legal size holding the payload.
    Result<PieceInfo> finish();
    // Completes the piece at `piece_unpadded` (127·2^k, >= payload).
    Result<PieceInfo> finish(uint64_t piece_unpadded);

private:
    Fr32Padder padder_;
    std::vector<uint8_t> pending_;                    // padded bytes not yet hashed
    std::vector<std::pair<Bytes32, unsigned>> stack_; // (root, height), heights decreasing
    uint64_t leaves_ = 0;                             // leaves folded into stack_
    bool finished_ = false;

    void push(Bytes32 root, unsigned height);
    void hash_pending(bool all);
};

// CommP of data in memory (zero-filled to the smallest legal piece size).
Result<PieceInfo> compute_comm_p(std::span<const uint8_t> raw);
// CommP of a stream of `payload` bytes (an error if it ends early), filled to
// `piece_unpadded` (0 = smallest legal size).
Result<PieceInfo> compute_comm_p(const ReadFn &read, uint64_t payload, uint64_t piece_unpadded = 0);
// CommP of a whole file, streamed.
Result<PieceInfo> compute_comm_p_file(const std::string &path, uint64_t piece_unpadded = 0);

} // namespace dmc
