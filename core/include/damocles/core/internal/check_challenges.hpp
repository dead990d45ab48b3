// SPDX-License-Identifier: Apache-2.0
//
// The challenges CheckSealed (the check_sealed vertex) and `util verify`
// prove, per proof family (docs/algorithms.md §12, docs/architecture.md §9):
// what that family's C1 proves, with the ticket standing in for the seed as
// damocles' CheckSealed does.
#pragma once

#include <cstdint>
#include <vector>

#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/proof.hpp"

namespace dmc::core {

// Interactive challenges of every partition with `seed` (no feature); the
// non-interactive challenges of every NI partition (NI-PoRep: no seed, they
// follow from comm_r); the synthetic challenges `seed` selects for every
// partition (synthetic PoRep).
std::vector<uint64_t> check_sealed_challenges(const SealProof &proof, const Bytes32 &replica_id, const Bytes32 &seed,
                                              const Bytes32 &comm_r);

// Synthetic PoRep: the positions in the synthetic challenge list of the
// challenges above (partition after partition).
std::vector<uint64_t> synthetic_check_indexes(const SealProof &proof, const Bytes32 &replica_id, const Bytes32 &seed);

} // namespace dmc::core
