// SPDX-License-Identifier: Apache-2.0
//
// Identifiers that feed sealing (docs/algorithms.md §5): the prover id derived from the
// miner actor id, the miner id as users write it, and the replica id.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc {

// uvarint (LEB128) of the actor id, zero-filled to 32 bytes: the payload of
// the ID address without its protocol byte (filecoin-ffi `toProverID`).
Bytes32 prover_id_from_actor_id(uint64_t actor_id);

// Miner id as written by users: "1001", "t01001" or "f01001". Any other
// address kind (t1/t2/t3/f4...) or text is an error naming the accepted forms.
Result<uint64_t> parse_miner_id(std::string_view text);

// prover_id || u64_be(sector_number) || ticket || comm_d || porep_id (136 bytes).
std::array<uint8_t, 136> replica_id_preimage(const Bytes32 &prover_id, uint64_t sector_number, const Bytes32 &ticket,
                                             const Bytes32 &comm_d, const Bytes32 &porep_id);
// trunc254(SHA-256(preimage)). The ticket is used exactly as it comes from
// the chain (no reduction).
Bytes32 replica_id(const Bytes32 &prover_id, uint64_t sector_number, const Bytes32 &ticket, const Bytes32 &comm_d,
                   const Bytes32 &porep_id);

} // namespace dmc
