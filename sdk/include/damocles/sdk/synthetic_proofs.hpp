// SPDX-License-Identifier: Apache-2.0
//
// The synthetic PoRep proofs file (docs/file-formats.md §2.7),
// cache/<id>/syn-porep-vanilla-proofs.dat: what lotus keeps in a synthetic
// sector's cache after PC2 in place of the layers, so that C1 only selects
// proofs. Byte-compatible with rust-fil-proofs: the three roots (comm_d,
// comm_c, comm_r_last), then one fixed-size record per synthetic challenge in
// challenge order (docs/algorithms.md §12.4): the challenge and its 14
// parents as u64, the tree_d path (leaf, one sibling per level), the column
// and tree_c path of the challenge and of each parent, the tree_r_last path.
// Poseidon paths hold arity-1 siblings per level and no positions (the
// challenge gives them).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/vanilla_porep.hpp"

namespace dmc {

inline constexpr const char *kSyntheticProofsFileName = "syn-porep-vanilla-proofs.dat";
inline constexpr uint64_t kSyntheticProofsHeaderBytes = 96;

// Bytes of one challenge's record for `proof`'s sector size and shape.
uint64_t synthetic_proof_record_bytes(const SealProof &proof);
// Header plus one record per synthetic challenge (min(N, 2^18) of them).
uint64_t synthetic_proofs_file_bytes(const SealProof &proof);

// The 96-byte header.
std::vector<uint8_t> synthetic_proofs_header(const Bytes32 &comm_d, const Bytes32 &comm_c, const Bytes32 &comm_r_last);
// Appends the record of one challenge proof; a proof whose shape does not
// match `proof` (path lengths, arities, layer count) is invalid_argument.
Status append_synthetic_proof_record(std::vector<uint8_t> &out, const SealProof &proof, const ChallengeProof &p);

// The proofs of the synthetic challenges at `indexes` (positions in the
// synthetic challenge list), read from a file of that format, as a proof set
// the vanilla verifier checks (comm_c and comm_r_last from the header). A
// file of the wrong size or a non-canonical node is Errc::corrupt.
Result<VanillaPorepProofs> read_synthetic_proofs(const SealProof &proof, const std::string &path,
                                                 const Bytes32 &replica_id, std::span<const uint64_t> indexes);
// The header's comm_d (root of tree_d).
Result<Bytes32> read_synthetic_proofs_comm_d(const std::string &path);

} // namespace dmc
