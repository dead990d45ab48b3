// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/comm_p.hpp"

#include <algorithm>
#include <cstring>

#include "damocles/sdk/file.hpp"
#include "damocles/sdk/sha254.hpp"

namespace dmc {

namespace {

// Leaves hashed as one subtree at a time: 1 MiB of padded data.
constexpr unsigned kBatchHeight = 15;
constexpr size_t kBatchBytes = size_t(32) << kBatchHeight;

Bytes32 subtree_root(uint8_t *leaves, size_t count)
{
    // In place: `leaves` is scratch after the call.
    for (size_t n = count; n > 1; n /= 2) sha254_level(leaves, leaves, n / 2);
    Bytes32 root;
    std::memcpy(root.data(), leaves, 32);
    return root;
}

} // namespace

CommPHasher::CommPHasher() { pending_.reserve(kBatchBytes + kFr32PaddedBlock); }

void CommPHasher::push(Bytes32 root, unsigned height)
{
    leaves_ += uint64_t(1) << height;
    while (!stack_.empty() && stack_.back().second == height) {
        root = sha254_node(stack_.back().first, root);
        ++height;
        stack_.pop_back();
    }
    stack_.emplace_back(root, height);
}

void CommPHasher::hash_pending(bool all)
{
    size_t pos = 0;
    while (pending_.size() - pos >= kBatchBytes) {
        push(subtree_root(pending_.data() + pos, kBatchBytes / 32), kBatchHeight);
        pos += kBatchBytes;
    }
    if (all) {
        // Whatever is left is below one batch and starts batch-aligned: split
        // it into power-of-two subtrees, largest first, which keeps each one
        // naturally aligned.
        size_t left = (pending_.size() - pos) / 32;
        for (int h = kBatchHeight - 1; h >= 0; --h) {
            const size_t n = size_t(1) << h;
            if (left & n) {
                push(subtree_root(pending_.data() + pos, n), static_cast<unsigned>(h));
                pos += n * 32;
                left -= n;
            }
        }
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(pos));
}

void CommPHasher::update(std::span<const uint8_t> raw)
{
    // Bounded chunks keep pending_ within one batch plus one chunk.
    constexpr size_t kChunk = kBatchBytes / kFr32PaddedBlock * kFr32RawBlock;
    while (!raw.empty()) {
        const size_t n = std::min(raw.size(), kChunk);
        padder_.write(raw.first(n), pending_);
        raw = raw.subspan(n);
        hash_pending(false);
    }
}

Result<PieceInfo> CommPHasher::finish() { return finish(piece_size_for_payload(payload_bytes())); }

Result<PieceInfo> CommPHasher::finish(uint64_t piece_unpadded)
{
    if (finished_) return make_error(Errc::internal, "CommPHasher::finish called twice");
    finished_ = true;
    uint64_t padded = 0;
    DMC_TRY_ASSIGN(padded, padded_piece_size(piece_unpadded));
    if (payload_bytes() > piece_unpadded)
        return make_error(Errc::invalid_argument, "piece payload of " + std::to_string(payload_bytes()) +
                                                      " bytes does not fit a piece of " +
                                                      std::to_string(piece_unpadded) + " unpadded bytes");
    // The partial last block is zero-filled; the zero fill that follows it
    // pads to zero nodes, so the short node count of docs/algorithms.md §2.2 is completed below.
    padder_.finish(pending_);
    pending_.resize((pending_.size() + 31) / 32 * 32, 0);
    hash_pending(true);
    const uint64_t total = padded / 32;
    while (leaves_ < total) {
        const unsigned align = leaves_ == 0 ? 63u : static_cast<unsigned>(__builtin_ctzll(leaves_));
        const unsigned h = std::min(align, log2_floor(total - leaves_));
        push(zero_comm(h), h);
    }
    PieceInfo info;
    info.comm = stack_.front().first;
    info.padded_size = padded;
    return info;
}

Result<PieceInfo> compute_comm_p(std::span<const uint8_t> raw)
{
    CommPHasher hasher;
    hasher.update(raw);
    return hasher.finish();
}

Result<PieceInfo> compute_comm_p(const ReadFn &read, uint64_t payload, uint64_t piece_unpadded)
{
    if (piece_unpadded == 0) piece_unpadded = piece_size_for_payload(payload);
    CommPHasher hasher;
    std::vector<uint8_t> buf(std::min<uint64_t>(payload, 4u << 20));
    uint64_t left = payload;
    while (left > 0) {
        const size_t want = static_cast<size_t>(std::min<uint64_t>(left, buf.size()));
        size_t got = 0;
        DMC_TRY_ASSIGN(got, read(std::span<uint8_t>(buf.data(), want)));
        if (got == 0)
            return make_error(Errc::io, "piece data ended after " + std::to_string(payload - left) + " of " +
                                            std::to_string(payload) + " bytes");
        hasher.update(std::span<const uint8_t>(buf.data(), got));
        left -= got;
    }
    return hasher.finish(piece_unpadded);
}

Result<PieceInfo> compute_comm_p_file(const std::string &path, uint64_t piece_unpadded)
{
    MappedFile file;
    DMC_TRY_ASSIGN(file, MappedFile::open_read(path));
    file.advise_sequential();
    if (piece_unpadded == 0) piece_unpadded = piece_size_for_payload(file.size());
    CommPHasher hasher;
    constexpr uint64_t kChunk = 8u << 20;
    for (uint64_t off = 0; off < file.size(); off += kChunk)
        hasher.update(file.bytes().subspan(off, std::min(kChunk, file.size() - off)));
    auto info = hasher.finish(piece_unpadded);
    if (!info) return info.error().context("CommP of " + path);
    return info;
}

} // namespace dmc
