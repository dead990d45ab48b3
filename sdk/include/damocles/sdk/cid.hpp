// SPDX-License-Identifier: Apache-2.0
//
// Commitment CIDs (docs/algorithms.md §4, go-fil-commcid): CIDv1 in multibase base32
// lower case ("b" prefix, no padding).
//   CommD/CommP: codec fil-commitment-unsealed 0xf101, multihash
//                sha2-256-trunc254-padded 0x1012          -> "baga6ea4seaq..."
//   CommR:       codec fil-commitment-sealed 0xf102, multihash
//                poseidon-bls12_381-a2-fc1 0xb401          -> "bagboea4b5abc..."
// and the FRC-0069 piece CID v2: codec raw 0x55, multihash
// fr32-sha256-trunc254-padbintree 0x1011, digest = uvarint(padding) ||
// tree height (1 byte) || root.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc {

enum class CommitmentKind {
    unsealed, // CommD / CommP
    sealed,   // CommR
};

// Binary CID: uvarint(1) || uvarint(codec) || uvarint(multihash) || uvarint(32) || comm.
std::vector<uint8_t> commitment_cid_bytes(const Bytes32 &comm, CommitmentKind kind);
std::string commitment_to_cid(const Bytes32 &comm, CommitmentKind kind);
// Decodes and validates (multibase prefix, base32 alphabet, CID version,
// codec, multihash code and digest length for `kind`, no trailing bytes).
Result<Bytes32> cid_to_commitment(std::string_view cid, CommitmentKind kind);

struct PieceCidV2 {
    Bytes32 comm_p{};
    unsigned height = 0;  // log2(padded_size / 32)
    uint64_t padding = 0; // unpadded tree capacity - payload size
    uint64_t padded_size() const { return uint64_t(32) << height; }
    uint64_t payload_size() const;
};

// padded_size: the piece's padded size (power of two >= 128); payload: the
// client bytes it holds (<= padded_size·127/128).
Result<std::string> piece_cid_v2(const Bytes32 &comm_p, uint64_t padded_size, uint64_t payload);
Result<PieceCidV2> parse_piece_cid_v2(std::string_view cid);

// RFC 4648 base32, lower-case alphabet, no padding (the multibase 'b' body).
std::string base32_lower_encode(const std::vector<uint8_t> &bytes);
Result<std::vector<uint8_t>> base32_lower_decode(std::string_view text);

} // namespace dmc
