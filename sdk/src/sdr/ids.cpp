// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/ids.hpp"

#include <cstring>
#include <string>

#include "damocles/sdk/sha254.hpp"

namespace dmc {

Bytes32 prover_id_from_actor_id(uint64_t actor_id)
{
    Bytes32 out{};
    size_t i = 0;
    while (actor_id >= 0x80) {
        out[i++] = static_cast<uint8_t>(actor_id | 0x80);
        actor_id >>= 7;
    }
    out[i] = static_cast<uint8_t>(actor_id);
    return out;
}

Result<uint64_t> parse_miner_id(std::string_view text)
{
    const std::string shown(text);
    auto bad = [&](const std::string &why) {
        return make_error(Errc::invalid_argument, "invalid miner id '" + shown + "': " + why +
                                                      " (expected an actor id like 1001, t01001 or f01001)");
    };
    std::string_view digits = text;
    if (text.size() >= 2 && (text[0] == 't' || text[0] == 'f')) {
        if (text[1] != '0') return bad(std::string("protocol ") + text[1] + " is not an ID address (protocol 0)");
        digits = text.substr(2);
    }
    if (digits.empty()) return bad("no digits");
    // Go's address parser rejects leading zeros except for "0" itself.
    if (digits.size() > 1 && digits[0] == '0') return bad("leading zero");
    uint64_t value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return bad(std::string("unexpected character '") + c + "'");
        const uint64_t d = static_cast<uint64_t>(c - '0');
        if (value > (UINT64_MAX - d) / 10) return bad("too large for a 64-bit actor id");
        value = value * 10 + d;
    }
    return value;
}

std::array<uint8_t, 136> replica_id_preimage(const Bytes32 &prover_id, uint64_t sector_number, const Bytes32 &ticket,
                                             const Bytes32 &comm_d, const Bytes32 &porep_id)
{
    std::array<uint8_t, 136> pre{};
    std::memcpy(pre.data(), prover_id.data(), 32);
    for (int i = 0; i < 8; ++i) pre[32 + i] = static_cast<uint8_t>(sector_number >> (56 - 8 * i));
    std::memcpy(pre.data() + 40, ticket.data(), 32);
    std::memcpy(pre.data() + 72, comm_d.data(), 32);
    std::memcpy(pre.data() + 104, porep_id.data(), 32);
    return pre;
}

Bytes32 replica_id(const Bytes32 &prover_id, uint64_t sector_number, const Bytes32 &ticket, const Bytes32 &comm_d,
                   const Bytes32 &porep_id)
{
    const auto pre = replica_id_preimage(prover_id, sector_number, ticket, comm_d, porep_id);
    return sha254(pre);
}

} // namespace dmc
