// SPDX-License-Identifier: Apache-2.0
//
// The file a plugin's snap_vanilla stage writes and the host reads back: the
// vanilla partition proofs of one sector update ("DMCSP001", little-endian
// integers, 32-byte canonical nodes), with the public inputs they prove.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "damocles/sdk/snap_proof.hpp"

namespace dmc {

struct SnapProofFile {
    uint64_t proof_id = 0; // the sector's RegisteredSealProof
    uint32_t h = 0;
    Fr comm_r_old = Fr::zero();
    Bytes32 comm_d_new{};
    Fr comm_r_new = Fr::zero();
    std::vector<SnapPartitionProof> partitions; // partition k at index k
};

std::vector<uint8_t> serialize_snap_proofs(const SnapProofFile &file);
Result<SnapProofFile> parse_snap_proofs(std::span<const uint8_t> bytes);

} // namespace dmc
