// SPDX-License-Identifier: Apache-2.0
//
// PoRep challenge derivation (docs/algorithms.md §12, upstream stacked/vanilla/challenges.rs).
// Every challenge is a node in [1, N−1] (node 0 is never challenged):
// (little-endian integer mod (N − 1)) + 1.
//  - interactive: SHA256(replica_id || seed || u32_le(j)), j = k·C + i;
//  - non-interactive: SHA256("filecoin.io|PoRep|1|NonInteractive|1" ||
//    replica_id || comm_r || u32_le(j));
//  - synthetic: S = min(N, 2^18) challenges from a ChaCha20 keystream keyed by
//    BLAKE2b-256 (keyed "…|Synthetic|1|Generation") of replica_id || comm_r;
//    partition k's PoRep challenges are synthetic challenges selected by
//    u32_le words of a second ChaCha20 keystream (key "…|Synthetic|1|Selection"
//    over replica_id || seed), mod S.
#pragma once

#include <cstdint>
#include <vector>

#include "damocles/sdk/hex.hpp"

namespace dmc {

// (LE integer of the 32 bytes mod (nodes − 1)) + 1; nodes >= 3.
uint64_t challenge_from_bytes(const uint8_t *le32, uint64_t nodes);

uint64_t interactive_challenge(const Bytes32 &replica_id, const Bytes32 &seed, uint32_t j, uint64_t nodes);
// The C challenges of partition k (global indexes k·C .. k·C + C − 1).
std::vector<uint64_t> interactive_challenges(const Bytes32 &replica_id, const Bytes32 &seed, uint64_t nodes,
                                             uint32_t partition, uint32_t per_partition);

uint64_t ni_challenge(const Bytes32 &replica_id, const Bytes32 &comm_r, uint32_t j, uint64_t nodes);
std::vector<uint64_t> ni_challenges(const Bytes32 &replica_id, const Bytes32 &comm_r, uint64_t nodes,
                                    uint32_t partition, uint32_t per_partition);

// Synthetic PoRep.
inline uint64_t default_synthetic_challenge_count(uint64_t nodes) { return nodes < (1u << 18) ? nodes : 1u << 18; }
Bytes32 synthetic_generation_key(const Bytes32 &replica_id, const Bytes32 &comm_r);
Bytes32 synthetic_selection_key(const Bytes32 &replica_id, const Bytes32 &seed);
// Synthetic challenge i, from the generation key.
uint64_t synthetic_challenge(const Bytes32 &generation_key, uint64_t i, uint64_t nodes);
// All `count` synthetic challenges in order.
std::vector<uint64_t> synthetic_challenges(const Bytes32 &replica_id, const Bytes32 &comm_r, uint64_t nodes,
                                           uint64_t count);
// Indexes (into the synthetic challenges) of partition k's PoRep challenges.
std::vector<uint64_t> synthetic_selected_indexes(const Bytes32 &replica_id, const Bytes32 &seed,
                                                 uint64_t synthetic_count, uint32_t partition, uint32_t per_partition);
// Partition k's PoRep challenges (the selected synthetic challenges).
std::vector<uint64_t> synthetic_porep_challenges(const Bytes32 &replica_id, const Bytes32 &comm_r, const Bytes32 &seed,
                                                 uint64_t nodes, uint64_t synthetic_count, uint32_t partition,
                                                 uint32_t per_partition);

} // namespace dmc
