// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/cid.hpp"

#include <cstdio>
#include <cstring>

#include "damocles/sdk/fr32.hpp"

namespace dmc {

namespace {

constexpr uint64_t kCodecUnsealed = 0xf101;
constexpr uint64_t kCodecSealed = 0xf102;
constexpr uint64_t kCodecRaw = 0x55;
constexpr uint64_t kMultihashSha256Trunc254Padded = 0x1012;
constexpr uint64_t kMultihashPoseidonBls12381A2Fc1 = 0xb401;
constexpr uint64_t kMultihashPieceV2 = 0x1011;

constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

void put_uvarint(std::vector<uint8_t> &out, uint64_t v)
{
    while (v >= 0x80) {
        out.push_back(static_cast<uint8_t>(v | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<uint8_t>(v));
}

// Reads a minimal unsigned varint (multiformats rule: at most 9 bytes, no
// superfluous trailing zero byte).
Result<uint64_t> get_uvarint(const std::vector<uint8_t> &in, size_t &pos, const char *what)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 9; ++i) {
        if (pos >= in.size()) return make_error(Errc::invalid_argument, std::string("CID is truncated in its ") + what);
        const uint8_t b = in[pos++];
        v |= uint64_t(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            if (b == 0 && i > 0)
                return make_error(Errc::invalid_argument, std::string("CID has a non-minimal varint in its ") + what);
            return v;
        }
    }
    return make_error(Errc::invalid_argument, std::string("CID has an over-long varint in its ") + what);
}

std::string hex_code(uint64_t v)
{
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
    return buf;
}

struct ParsedCid {
    uint64_t codec = 0;
    uint64_t multihash = 0;
    std::vector<uint8_t> digest;
};

Result<ParsedCid> parse_cid(std::string_view cid)
{
    if (cid.empty()) return make_error(Errc::invalid_argument, "empty CID");
    if (cid[0] != 'b')
        return make_error(Errc::invalid_argument, std::string("unsupported multibase prefix '") + cid[0] +
                                                      "': expected 'b' (base32, lower case)");
    std::vector<uint8_t> bytes;
    DMC_TRY_ASSIGN(bytes, base32_lower_decode(cid.substr(1)));
    size_t pos = 0;
    uint64_t version = 0;
    DMC_TRY_ASSIGN(version, get_uvarint(bytes, pos, "version"));
    if (version != 1)
        return make_error(Errc::invalid_argument, "CID version " + std::to_string(version) + " is not 1 (CIDv1)");
    ParsedCid out;
    DMC_TRY_ASSIGN(out.codec, get_uvarint(bytes, pos, "codec"));
    DMC_TRY_ASSIGN(out.multihash, get_uvarint(bytes, pos, "multihash code"));
    uint64_t length = 0;
    DMC_TRY_ASSIGN(length, get_uvarint(bytes, pos, "digest length"));
    if (bytes.size() - pos != length)
        return make_error(Errc::invalid_argument, "CID digest length " + std::to_string(length) +
                                                      " does not match the " + std::to_string(bytes.size() - pos) +
                                                      " bytes that follow");
    out.digest.assign(bytes.begin() + static_cast<ptrdiff_t>(pos), bytes.end());
    return out;
}

} // namespace

std::string base32_lower_encode(const std::vector<uint8_t> &bytes)
{
    std::string out;
    out.reserve((bytes.size() * 8 + 4) / 5);
    uint32_t acc = 0;
    unsigned bits = 0;
    for (uint8_t b : bytes) {
        acc = acc << 8 | b;
        bits += 8;
        while (bits >= 5) {
            out.push_back(kAlphabet[(acc >> (bits - 5)) & 31]);
            bits -= 5;
        }
    }
    if (bits > 0) out.push_back(kAlphabet[(acc << (5 - bits)) & 31]);
    return out;
}

Result<std::vector<uint8_t>> base32_lower_decode(std::string_view text)
{
    std::vector<uint8_t> out;
    out.reserve(text.size() * 5 / 8);
    uint32_t acc = 0;
    unsigned bits = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        unsigned v;
        if (c >= 'a' && c <= 'z') {
            v = static_cast<unsigned>(c - 'a');
        } else if (c >= '2' && c <= '7') {
            v = static_cast<unsigned>(c - '2') + 26;
        } else {
            return make_error(Errc::invalid_argument, std::string("invalid base32 character '") + c + "' at position " +
                                                          std::to_string(i + 1) + " of the CID (expected a-z or 2-7)");
        }
        acc = (acc << 5 | v) & 0xfff;
        bits += 5;
        if (bits >= 8) {
            out.push_back(static_cast<uint8_t>(acc >> (bits - 8)));
            bits -= 8;
        }
    }
    // Unpadded RFC 4648: the leftover bits (< 5) must be zero.
    if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
        return make_error(Errc::invalid_argument, "CID has an invalid base32 length or trailing bits");
    return out;
}

std::vector<uint8_t> commitment_cid_bytes(const Bytes32 &comm, CommitmentKind kind)
{
    std::vector<uint8_t> out;
    put_uvarint(out, 1);
    const bool unsealed = kind == CommitmentKind::unsealed;
    put_uvarint(out, unsealed ? kCodecUnsealed : kCodecSealed);
    put_uvarint(out, unsealed ? kMultihashSha256Trunc254Padded : kMultihashPoseidonBls12381A2Fc1);
    put_uvarint(out, 32);
    out.insert(out.end(), comm.begin(), comm.end());
    return out;
}

std::string commitment_to_cid(const Bytes32 &comm, CommitmentKind kind)
{
    std::string out = "b"; // multibase prefix: base32, lower case
    out += base32_lower_encode(commitment_cid_bytes(comm, kind));
    return out;
}

Result<Bytes32> cid_to_commitment(std::string_view cid, CommitmentKind kind)
{
    ParsedCid parsed;
    DMC_TRY_ASSIGN(parsed, parse_cid(cid));
    const bool unsealed = kind == CommitmentKind::unsealed;
    const uint64_t codec = unsealed ? kCodecUnsealed : kCodecSealed;
    const uint64_t mh = unsealed ? kMultihashSha256Trunc254Padded : kMultihashPoseidonBls12381A2Fc1;
    const char *what = unsealed ? "an unsealed commitment (CommD/CommP, fil-commitment-unsealed 0xf101)"
                                : "a sealed commitment (CommR, fil-commitment-sealed 0xf102)";
    if (parsed.codec != codec)
        return make_error(Errc::invalid_argument, "CID codec " + hex_code(parsed.codec) + " is not " + what);
    if (parsed.multihash != mh)
        return make_error(Errc::invalid_argument, "CID multihash " + hex_code(parsed.multihash) + " is not " +
                                                      hex_code(mh) + " expected for " + what);
    if (parsed.digest.size() != 32)
        return make_error(Errc::invalid_argument,
                          "CID digest has " + std::to_string(parsed.digest.size()) + " bytes, a commitment has 32");
    Bytes32 comm;
    std::memcpy(comm.data(), parsed.digest.data(), 32);
    return comm;
}

uint64_t PieceCidV2::payload_size() const { return to_unpadded_bytes(padded_size()) - padding; }

Result<std::string> piece_cid_v2(const Bytes32 &comm_p, uint64_t padded_size, uint64_t payload)
{
    if (padded_size < 128 || (padded_size & (padded_size - 1)) != 0)
        return make_error(Errc::invalid_argument,
                          "piece padded size " + std::to_string(padded_size) + " is not a power of two >= 128");
    const uint64_t capacity = to_unpadded_bytes(padded_size);
    if (payload > capacity)
        return make_error(Errc::invalid_argument, "piece payload " + std::to_string(payload) +
                                                      " exceeds the piece capacity " + std::to_string(capacity));
    std::vector<uint8_t> digest;
    put_uvarint(digest, capacity - payload);
    digest.push_back(static_cast<uint8_t>(63 - __builtin_clzll(padded_size / 32)));
    digest.insert(digest.end(), comm_p.begin(), comm_p.end());
    std::vector<uint8_t> out;
    put_uvarint(out, 1);
    put_uvarint(out, kCodecRaw);
    put_uvarint(out, kMultihashPieceV2);
    put_uvarint(out, digest.size());
    out.insert(out.end(), digest.begin(), digest.end());
    std::string cid = "b";
    cid += base32_lower_encode(out);
    return cid;
}

Result<PieceCidV2> parse_piece_cid_v2(std::string_view cid)
{
    ParsedCid parsed;
    DMC_TRY_ASSIGN(parsed, parse_cid(cid));
    if (parsed.codec != kCodecRaw)
        return make_error(Errc::invalid_argument,
                          "CID codec " + hex_code(parsed.codec) + " is not raw (0x55) as a piece CID v2 needs");
    if (parsed.multihash != kMultihashPieceV2)
        return make_error(Errc::invalid_argument, "CID multihash " + hex_code(parsed.multihash) +
                                                      " is not fr32-sha256-trunc254-padbintree (0x1011)");
    size_t pos = 0;
    PieceCidV2 out;
    DMC_TRY_ASSIGN(out.padding, get_uvarint(parsed.digest, pos, "piece padding"));
    if (parsed.digest.size() - pos != 33)
        return make_error(Errc::invalid_argument, "piece CID v2 digest must end with a height byte and 32 root bytes");
    out.height = parsed.digest[pos];
    if (out.height < 2 || out.height > 58)
        return make_error(Errc::invalid_argument,
                          "piece CID v2 tree height " + std::to_string(out.height) + " is out of range (2..58)");
    if (out.padding > to_unpadded_bytes(out.padded_size()))
        return make_error(Errc::invalid_argument,
                          "piece CID v2 padding " + std::to_string(out.padding) + " exceeds the tree capacity");
    std::memcpy(out.comm_p.data(), parsed.digest.data() + pos + 1, 32);
    return out;
}

} // namespace dmc
