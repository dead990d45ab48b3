// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/rle_plus.hpp"

#include <limits>

namespace dmc {

namespace {

// Appends bits least significant first.
class BitWriter {
public:
    void put(uint64_t value, unsigned count)
    {
        for (unsigned i = 0; i < count; ++i) {
            if (bit_ == 0) bytes_.push_back(0);
            if ((value >> i) & 1) bytes_.back() |= static_cast<uint8_t>(1u << bit_);
            bit_ = (bit_ + 1) % 8;
        }
    }
    std::vector<uint8_t> finish()
    {
        while (!bytes_.empty() && bytes_.back() == 0) bytes_.pop_back();
        return std::move(bytes_);
    }

private:
    std::vector<uint8_t> bytes_;
    unsigned bit_ = 0;
};

// Reads bits least significant first; past the end every bit is 0, which is
// how the stream ends (a zero-length run).
class BitReader {
public:
    explicit BitReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}
    uint64_t get(unsigned count)
    {
        uint64_t v = 0;
        for (unsigned i = 0; i < count; ++i, ++pos_) {
            const uint64_t byte = pos_ / 8;
            if (byte < bytes_.size() && ((bytes_[byte] >> (pos_ % 8)) & 1)) v |= uint64_t{1} << i;
        }
        return v;
    }
    bool past_end() const { return pos_ >= bytes_.size() * 8; }

private:
    std::span<const uint8_t> bytes_;
    uint64_t pos_ = 0;
};

std::vector<BitRun> normalized(std::span<const BitRun> runs)
{
    std::vector<BitRun> out;
    for (const BitRun &r : runs) {
        if (r.length == 0) continue;
        if (!out.empty() && out.back().value == r.value)
            out.back().length += r.length;
        else
            out.push_back(r);
    }
    if (!out.empty() && !out.back().value) out.pop_back();
    return out;
}

} // namespace

std::vector<uint8_t> rle_plus_encode(std::span<const BitRun> input)
{
    const std::vector<BitRun> runs = normalized(input);
    BitWriter w;
    w.put(0, 2); // version
    w.put(runs.empty() ? 0 : (runs.front().value ? 1 : 0), 1);
    for (const BitRun &r : runs) {
        if (r.length == 1) {
            w.put(1, 1);
        } else if (r.length < 16) {
            w.put(2, 2); // bits "0" then "1"
            w.put(r.length, 4);
        } else {
            w.put(0, 2);
            uint64_t v = r.length;
            do {
                uint8_t byte = v & 0x7f;
                v >>= 7;
                if (v != 0) byte |= 0x80;
                w.put(byte, 8);
            } while (v != 0);
        }
    }
    return w.finish();
}

Result<std::vector<BitRun>> rle_plus_decode(std::span<const uint8_t> bytes)
{
    if (!bytes.empty() && bytes.back() == 0)
        return make_error(Errc::corrupt, "RLE+ bitfield is not minimally encoded (a trailing zero byte)");
    BitReader r(bytes);
    if (r.get(2) != 0) return make_error(Errc::corrupt, "RLE+ bitfield has an unknown version");
    bool value = r.get(1) == 1;
    std::vector<BitRun> runs;
    uint64_t total = 0;
    for (;;) {
        uint64_t length;
        if (r.get(1) == 1) {
            length = 1;
        } else if (r.get(1) == 1) {
            length = r.get(4);
        } else {
            length = 0;
            for (unsigned shift = 0;; shift += 7) {
                if (shift >= 64) return make_error(Errc::corrupt, "RLE+ run length does not fit 64 bits");
                const uint64_t byte = r.get(8);
                length |= (byte & 0x7f) << shift;
                if ((byte & 0x80) == 0) break;
                if (r.past_end()) return make_error(Errc::corrupt, "RLE+ run length is cut off");
            }
        }
        if (length == 0) break;
        if (length > std::numeric_limits<uint64_t>::max() - total)
            return make_error(Errc::corrupt, "RLE+ bitfield is longer than 2^64 bits");
        total += length;
        runs.push_back({value, length});
        value = !value;
        if (r.past_end()) break;
    }
    return runs;
}

} // namespace dmc
