// SPDX-License-Identifier: Apache-2.0
//
// Node i of a 127-byte block is bits [254·i, 254·i + 254) of the block read
// LSB-first (docs/algorithms.md §2.1): it starts at byte 254·i / 8 with a bit shift of
// 254·i mod 8, i.e. (0,0), (31,6), (63,4), (95,2) for i = 0..3.
#include "damocles/sdk/fr32.hpp"

#include <algorithm>
#include <cstring>
#include <string>

namespace dmc {

namespace {

constexpr unsigned kNodeByte[4] = {0, 31, 63, 95};
constexpr unsigned kNodeShift[4] = {0, 6, 4, 2};

// r = 0x73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001,
// as little-endian u64 limbs.
constexpr uint64_t kModulus[4] = {0xffffffff00000001ull, 0x53bda402fffe5bfeull, 0x3339d80809a1d805ull,
                                  0x73eda753299d7d48ull};

uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = v << 8 | p[i];
    return v;
}

} // namespace

uint64_t to_padded_bytes(uint64_t unpadded)
{
    // ceil((floor(8n/254)·256 + (8n mod 254)) / 8), without overflowing 8n
    // for sizes up to 2^60.
    const unsigned __int128 bits = static_cast<unsigned __int128>(unpadded) * 8;
    const unsigned __int128 padded_bits = bits / 254 * 256 + bits % 254;
    return static_cast<uint64_t>((padded_bits + 7) / 8);
}

uint64_t to_unpadded_bytes(uint64_t padded)
{
    const unsigned __int128 bits = static_cast<unsigned __int128>(padded) * 8;
    const unsigned __int128 raw_bits = bits / 256 * 254 + bits % 256;
    return static_cast<uint64_t>(raw_bits / 8);
}

void fr32_pad_block(const uint8_t *raw127, uint8_t *padded128)
{
    for (unsigned i = 0; i < 4; ++i) {
        const uint8_t *in = raw127 + kNodeByte[i];
        uint8_t *out = padded128 + 32 * i;
        const unsigned s = kNodeShift[i];
        if (s == 0) {
            std::memcpy(out, in, 32);
        } else {
            // in[32] would be raw127[127] for i = 3: past the block, and only
            // feeds the two bits that are cleared below.
            for (unsigned k = 0; k < 31; ++k) out[k] = uint8_t(in[k] >> s | in[k + 1] << (8 - s));
            const uint8_t next = kNodeByte[i] + 32 < kFr32RawBlock ? in[32] : 0;
            out[31] = uint8_t(in[31] >> s | next << (8 - s));
        }
        out[31] &= 0x3f;
    }
}

void fr32_unpad_block(const uint8_t *padded128, uint8_t *raw127)
{
    std::memset(raw127, 0, kFr32RawBlock);
    for (unsigned i = 0; i < 4; ++i) {
        const uint8_t *node = padded128 + 32 * i;
        uint8_t *out = raw127 + kNodeByte[i];
        const unsigned s = kNodeShift[i];
        for (unsigned k = 0; k < 32; ++k) {
            const uint8_t v = k == 31 ? uint8_t(node[31] & 0x3f) : node[k];
            out[k] |= uint8_t(v << s);
            if (s != 0 && kNodeByte[i] + k + 1 < kFr32RawBlock) out[k + 1] |= uint8_t(v >> (8 - s));
        }
    }
}

void fr32_pad_blocks(const uint8_t *raw, uint8_t *padded, size_t blocks)
{
    for (size_t b = 0; b < blocks; ++b) fr32_pad_block(raw + b * kFr32RawBlock, padded + b * kFr32PaddedBlock);
}

uint64_t fr32_padded_length(uint64_t raw_len)
{
    const uint64_t whole = raw_len / kFr32RawBlock;
    const uint64_t tail_bits = (raw_len % kFr32RawBlock) * 8;
    return whole * kFr32PaddedBlock + (tail_bits + 253) / 254 * 32;
}

std::vector<uint8_t> fr32_pad(std::span<const uint8_t> raw)
{
    std::vector<uint8_t> out;
    out.reserve(fr32_padded_length(raw.size()));
    Fr32Padder padder;
    padder.write(raw, out);
    padder.finish(out);
    return out;
}

Result<std::vector<uint8_t>> fr32_unpad(std::span<const uint8_t> padded, uint64_t raw_len)
{
    if (raw_len > to_unpadded_bytes(padded.size()))
        return make_error(Errc::invalid_argument,
                          "cannot unpad " + std::to_string(raw_len) + " bytes from " + std::to_string(padded.size()) +
                              " padded bytes: they hold at most " + std::to_string(to_unpadded_bytes(padded.size())));
    std::vector<uint8_t> out;
    out.reserve(raw_len + kFr32RawBlock);
    Fr32Unpadder unpadder;
    DMC_TRY_VOID(unpadder.write(padded, out));
    DMC_TRY_VOID(unpadder.finish(out));
    out.resize(raw_len);
    return out;
}

bool is_canonical_fr(const uint8_t *le32)
{
    for (int limb = 3; limb >= 0; --limb) {
        const uint64_t v = load_le64(le32 + 8 * limb);
        if (v != kModulus[limb]) return v < kModulus[limb];
    }
    return false; // equal to r
}

// ------------------------------------------------------------ Fr32Padder

void Fr32Padder::write(std::span<const uint8_t> raw, std::vector<uint8_t> &out)
{
    raw_bytes_ += raw.size();
    size_t pos = 0;
    if (tail_len_ > 0) {
        const size_t take = std::min(raw.size(), kFr32RawBlock - tail_len_);
        std::memcpy(tail_ + tail_len_, raw.data(), take);
        tail_len_ += take;
        pos = take;
        if (tail_len_ < kFr32RawBlock) return;
        const size_t at = out.size();
        out.resize(at + kFr32PaddedBlock);
        fr32_pad_block(tail_, out.data() + at);
        tail_len_ = 0;
    }
    const size_t blocks = (raw.size() - pos) / kFr32RawBlock;
    if (blocks > 0) {
        const size_t at = out.size();
        out.resize(at + blocks * kFr32PaddedBlock);
        fr32_pad_blocks(raw.data() + pos, out.data() + at, blocks);
        pos += blocks * kFr32RawBlock;
    }
    tail_len_ = raw.size() - pos;
    std::memcpy(tail_, raw.data() + pos, tail_len_);
}

void Fr32Padder::finish(std::vector<uint8_t> &out)
{
    if (tail_len_ == 0) return;
    std::memset(tail_ + tail_len_, 0, kFr32RawBlock - tail_len_);
    uint8_t block[kFr32PaddedBlock];
    fr32_pad_block(tail_, block);
    const size_t keep = fr32_padded_length(tail_len_);
    out.insert(out.end(), block, block + keep);
    tail_len_ = 0;
}

// ---------------------------------------------------------- Fr32Unpadder

Status Fr32Unpadder::unpad_checked(const uint8_t *block, uint8_t *raw, uint64_t first_node)
{
    for (unsigned i = 0; i < 4; ++i) {
        if (!is_fr32_node(block + 32 * i))
            return make_error(Errc::invalid_argument, "node " + std::to_string(first_node + i) +
                                                          " is not fr32-padded data (one of its two top bits is set)");
    }
    fr32_unpad_block(block, raw);
    return {};
}

Status Fr32Unpadder::write(std::span<const uint8_t> padded, std::vector<uint8_t> &out)
{
    size_t pos = 0;
    while (pos < padded.size()) {
        const uint8_t *block = nullptr;
        if (tail_len_ == 0 && padded.size() - pos >= kFr32PaddedBlock) {
            block = padded.data() + pos;
            pos += kFr32PaddedBlock;
        } else {
            const size_t take = std::min(padded.size() - pos, kFr32PaddedBlock - tail_len_);
            std::memcpy(tail_ + tail_len_, padded.data() + pos, take);
            tail_len_ += take;
            pos += take;
            if (tail_len_ < kFr32PaddedBlock) break;
            block = tail_;
            tail_len_ = 0;
        }
        const size_t at = out.size();
        out.resize(at + kFr32RawBlock);
        DMC_TRY_VOID(unpad_checked(block, out.data() + at, padded_bytes_ / 32));
        padded_bytes_ += kFr32PaddedBlock;
    }
    return {};
}

Status Fr32Unpadder::finish(std::vector<uint8_t> &out)
{
    if (tail_len_ == 0) return {};
    const size_t have = tail_len_;
    std::memset(tail_ + have, 0, kFr32PaddedBlock - have);
    tail_len_ = 0;
    uint8_t raw[kFr32RawBlock];
    DMC_TRY_VOID(unpad_checked(tail_, raw, padded_bytes_ / 32));
    padded_bytes_ += have;
    out.insert(out.end(), raw, raw + to_unpadded_bytes(have));
    return {};
}

} // namespace dmc
