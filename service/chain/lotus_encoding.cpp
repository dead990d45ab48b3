// SPDX-License-Identifier: Apache-2.0
#include "service/chain/lotus_encoding.hpp"

#include "damocles/sdk/cid.hpp"

namespace dmc::service::chain {

namespace {

// Minimal unsigned varint as multiformats requires; false when truncated,
// over-long (> 9 bytes) or padded with a zero byte.
bool read_uvarint(const std::vector<uint8_t> &bytes, size_t &pos, uint64_t &value)
{
    value = 0;
    for (unsigned index = 0; index < 9; ++index) {
        if (pos >= bytes.size()) return false;
        const uint8_t byte = bytes[pos++];
        value |= uint64_t(byte & 0x7f) << (7 * index);
        if (!(byte & 0x80)) return !(byte == 0 && index > 0);
    }
    return false;
}

} // namespace

Status check_cid_string(std::string_view cid)
{
    auto bad = [&](const std::string &why) {
        return make_error(Errc::invalid_argument, "invalid CID " + quoted_excerpt(cid) + ": " + why);
    };
    if (cid.empty()) return bad("empty");
    if (cid.size() >= 2 && cid[0] == 'Q' && cid[1] == 'm') return bad("CIDv0 is not expected here");
    if (cid[0] != 'b') return bad("not multibase base32 (want a leading 'b')");
    auto bytes = base32_lower_decode(cid.substr(1));
    if (!bytes) return bad(printable_excerpt(bytes.error().message, 200));
    size_t pos = 0;
    uint64_t version = 0, codec = 0, multihash = 0, digest_length = 0;
    if (!read_uvarint(*bytes, pos, version)) return bad("bad version varint");
    if (version != 1) return bad("version " + std::to_string(version) + ", want 1");
    if (!read_uvarint(*bytes, pos, codec)) return bad("bad codec varint");
    if (!read_uvarint(*bytes, pos, multihash)) return bad("bad multihash code varint");
    if (!read_uvarint(*bytes, pos, digest_length)) return bad("bad digest length varint");
    if (digest_length != bytes->size() - pos)
        return bad("digest length " + std::to_string(digest_length) + " but " + std::to_string(bytes->size() - pos) +
                   " bytes follow");
    return {};
}

nlohmann::json cid_json(std::string_view cid) { return nlohmann::json{{"/", std::string(cid)}}; }

nlohmann::json tipset_key_json(const TipSetKey &key)
{
    if (key.is_head()) return nullptr;
    auto out = nlohmann::json::array();
    for (const auto &cid : key.cids) out.push_back(cid_json(cid));
    return out;
}

bool is_decimal_big_int(std::string_view text)
{
    const bool negative = !text.empty() && text[0] == '-';
    if (negative) text.remove_prefix(1);
    if (text.empty()) return false;
    if (text[0] == '0' && (text.size() > 1 || negative)) return false; // no "007", no "-0"
    for (char digit : text)
        if (digit < '0' || digit > '9') return false;
    return true;
}

std::string printable_excerpt(std::string_view text, size_t limit)
{
    std::string out;
    for (char symbol : text.substr(0, limit)) {
        const auto byte = static_cast<unsigned char>(symbol);
        out.push_back(byte < 0x20 || byte >= 0x7f ? '?' : symbol);
    }
    if (text.size() > limit) out += "...";
    return out;
}

std::string quoted_excerpt(std::string_view text, size_t limit)
{
    std::string out = "\"";
    out += printable_excerpt(text, limit);
    out += '"';
    return out;
}

} // namespace dmc::service::chain
