// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/staged_sector.hpp"

#include <algorithm>
#include <cstring>

#include "damocles/sdk/comm_d.hpp"
#include "damocles/sdk/comm_p.hpp"
#include "damocles/sdk/fr32.hpp"

namespace dmc {

Result<StagedSectorWriter> StagedSectorWriter::create(const std::string &path, uint64_t sector_size)
{
    if (sector_size < 128 || !is_power_of_two(sector_size))
        return make_error(Errc::invalid_argument,
                          "sector size " + std::to_string(sector_size) + " is not a power of two >= 128");
    StagedSectorWriter w;
    DMC_TRY_ASSIGN(w.file_, AtomicFileWriter::create(path));
    w.sector_size_ = sector_size;
    return w;
}

Result<PieceInfo> StagedSectorWriter::add_piece(std::span<const uint8_t> payload, uint64_t piece_unpadded)
{
    size_t pos = 0;
    ReadFn read = [&](std::span<uint8_t> buf) -> Result<size_t> {
        const size_t n = std::min(buf.size(), payload.size() - pos);
        std::memcpy(buf.data(), payload.data() + pos, n);
        pos += n;
        return n;
    };
    return add_piece(read, payload.size(), piece_unpadded);
}

Result<PieceInfo> StagedSectorWriter::add_piece(const ReadFn &read, uint64_t payload_len, uint64_t piece_unpadded)
{
    if (finished_) return make_error(Errc::internal, "staged sector already finished");
    if (auto padded = padded_piece_size(piece_unpadded); !padded) return padded.error();
    if (payload_len > piece_unpadded)
        return make_error(Errc::invalid_argument, "piece data of " + std::to_string(payload_len) +
                                                      " bytes is larger than the piece size " +
                                                      std::to_string(piece_unpadded));
    const PieceAlignment align = get_piece_alignment(written_unpadded_, piece_unpadded);
    const uint64_t start_unpadded = written_unpadded_ + align.left_bytes;
    const uint64_t end_unpadded = start_unpadded + piece_unpadded;
    const uint64_t capacity = sector_size_ / 128 * 127;
    if (end_unpadded > capacity)
        return make_error(Errc::invalid_argument, "piece of " + std::to_string(piece_unpadded) +
                                                      " bytes does not fit: it would end at " +
                                                      std::to_string(end_unpadded) + " of the sector's " +
                                                      std::to_string(capacity) + " unpadded bytes");
    // start_unpadded is a multiple of 127·2^k >= 127, so the padded offset is
    // exact and block-aligned.
    uint64_t offset = start_unpadded / 127 * 128;

    CommPHasher hasher;
    Fr32Padder padder;
    std::vector<uint8_t> raw(static_cast<size_t>(std::min<uint64_t>(payload_len, 127u << 15)));
    std::vector<uint8_t> padded_buf;
    padded_buf.reserve(raw.size() / 127 * 128 + 256);
    uint64_t left = payload_len;
    while (left > 0) {
        const size_t want = static_cast<size_t>(std::min<uint64_t>(left, raw.size()));
        size_t got = 0;
        DMC_TRY_ASSIGN(got, read(std::span<uint8_t>(raw.data(), want)));
        if (got == 0)
            return make_error(Errc::io, "piece data ended after " + std::to_string(payload_len - left) + " of " +
                                            std::to_string(payload_len) + " bytes");
        const std::span<const uint8_t> chunk(raw.data(), got);
        hasher.update(chunk);
        padded_buf.clear();
        padder.write(chunk, padded_buf);
        DMC_TRY_VOID(file_.write_at(offset, padded_buf));
        offset += padded_buf.size();
        left -= got;
    }
    padded_buf.clear();
    padder.finish(padded_buf);
    DMC_TRY_VOID(file_.write_at(offset, padded_buf));

    PieceInfo info;
    DMC_TRY_ASSIGN(info, hasher.finish(piece_unpadded));
    pieces_.push_back(info);
    written_unpadded_ = end_unpadded;
    return info;
}

Result<Bytes32> StagedSectorWriter::finish()
{
    if (finished_) return make_error(Errc::internal, "staged sector already finished");
    Bytes32 comm_d;
    DMC_TRY_ASSIGN(comm_d, compute_comm_d(sector_size_, pieces_));
    DMC_TRY_VOID(file_.resize(sector_size_));
    DMC_TRY_VOID(file_.commit());
    finished_ = true;
    return comm_d;
}

} // namespace dmc
