// SPDX-License-Identifier: Apache-2.0
#include "service/chain/id_address.hpp"

#include "service/chain/lotus_encoding.hpp"

namespace dmc::service::chain {

std::string IdAddress::to_string() const { return std::string(1, network) + "0" + std::to_string(id); }

Result<IdAddress> parse_id_address(std::string_view text)
{
    auto bad = [&](const std::string &why) {
        return make_error(Errc::invalid_argument, "invalid address " + quoted_excerpt(text, 64) + ": " + why);
    };
    if (text.size() < 3) return bad("too short (want f0<id> or t0<id>)");
    if (text[0] != kMainnetPrefix && text[0] != kTestnetPrefix) return bad("network prefix must be 'f' or 't'");
    if (text[1] != '0') {
        if (text[1] >= '1' && text[1] <= '4')
            return bad(std::string("protocol ") + text[1] + " is not an ID address (want f0<id>)");
        return bad("unknown protocol");
    }
    const std::string_view digits = text.substr(2);
    // 19 digits hold every id below 2^63 (go-address MaxInt64StringLength).
    if (digits.size() > 19) return bad("id has more than 19 digits");
    uint64_t id = 0;
    for (char digit : digits) {
        if (digit < '0' || digit > '9') return bad("id must be decimal digits");
        id = id * 10 + static_cast<uint64_t>(digit - '0');
    }
    if (id > kMaxActorId) return bad("id must be below 2^63");
    // A leading zero would give a second spelling of one address.
    if (digits.size() > 1 && digits[0] == '0') return bad("id has a leading zero");
    return IdAddress{id, text[0]};
}

std::vector<uint8_t> id_address_bytes(uint64_t actor_id)
{
    std::vector<uint8_t> out{0};
    uint64_t rest = actor_id;
    while (rest >= 0x80) {
        out.push_back(static_cast<uint8_t>(rest | 0x80));
        rest >>= 7;
    }
    out.push_back(static_cast<uint8_t>(rest));
    return out;
}

std::vector<uint8_t> seal_randomness_entropy(uint64_t miner_id)
{
    const std::vector<uint8_t> address = id_address_bytes(miner_id);
    // An ID address is at most 11 bytes, so the CBOR length always fits in
    // the initial byte (lengths below 24): 0x40 | length.
    std::vector<uint8_t> out;
    out.reserve(address.size() + 1);
    out.push_back(static_cast<uint8_t>(0x40 | address.size()));
    for (uint8_t byte : address) out.push_back(byte);
    return out;
}

} // namespace dmc::service::chain
