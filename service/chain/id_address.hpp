// SPDX-License-Identifier: Apache-2.0
//
// Filecoin ID addresses ("f01234" on mainnet, "t01234" on test networks):
// how Lotus names miner actors, and the bytes that seal randomness is drawn
// with. Only the ID protocol (0) is handled: a miner actor always has one, and
// the other protocols (keys, actor hashes, delegated) never name a miner here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "damocles/sdk/result.hpp"

namespace dmc::service::chain {

// Network prefix of an address string.
inline constexpr char kMainnetPrefix = 'f';
inline constexpr char kTestnetPrefix = 't';
// go-address refuses ids of 2^63 and above.
inline constexpr uint64_t kMaxActorId = (uint64_t(1) << 63) - 1;

struct IdAddress {
    uint64_t id = 0;
    char network = kMainnetPrefix; // 'f' or 't'

    std::string to_string() const; // "f01234"
    bool operator==(const IdAddress &) const = default;
};

// "f01234" / "t01234". Other protocols, networks, signs, overflow: an error
// that says which.
Result<IdAddress> parse_id_address(std::string_view text);

// Address bytes: protocol byte 0, then uvarint(id).
std::vector<uint8_t> id_address_bytes(uint64_t actor_id);

// The entropy Lotus draws seal randomness (tickets) with: the miner's
// address bytes as a CBOR byte string (major type 2 and the length, then the
// bytes), e.g. f01000 -> 43 00 e8 07.
std::vector<uint8_t> seal_randomness_entropy(uint64_t miner_id);

// DomainSeparationTag values of go-state-types crypto/randomness.go.
inline constexpr int64_t kTagSealRandomness = 5;
inline constexpr int64_t kTagInteractiveSealChallengeSeed = 6;

} // namespace dmc::service::chain
