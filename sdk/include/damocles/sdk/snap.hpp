// SPDX-License-Identifier: Apache-2.0
//
// SnapDeals (Empty Sector Update) field primitives (docs/algorithms.md §13,
// rust-fil-proofs storage-proofs-update): parameters per sector size, phi and
// rho, the encoding new_replica = sector_key + data * rho(v >> shift) with its
// inverse and data removal, partition challenges, and apex leafs of tree_d_new.
//
// phi, rho and the challenge digests are Poseidon_2 with the "gen randomness"
// domain tag Custom(1) = 2^40. The encode/decode functions work on any node
// range, so callers can stream mmapped 32GiB files in pieces and threads.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "damocles/sdk/fr.hpp"
#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc {

struct SnapParams {
    uint64_t sector_nodes = 0;
    uint32_t partitions = 0;                // partition_count
    uint32_t challenges_per_partition = 0;  // challenge_count
    std::array<uint32_t, 6> hs{};           // allowed h values
    uint32_t h_default = 0;                 // hs[3] (h_select = 2^3)
    uint32_t challenge_bits = 0;            // log2(sector_nodes)
    uint32_t partition_bits = 0;            // log2(partitions)
    uint32_t random_bits_per_challenge = 0; // challenge_bits - partition_bits
    uint32_t challenges_per_digest = 0;     // 254 / random_bits_per_challenge
    uint32_t digests_per_partition = 0;     // ceil(challenges / per digest)
    uint32_t apex_leaf_count = 0;           // per partition
    uint32_t apex_leaf_bits = 0;            // log2(apex_leaf_count)

    bool h_allowed(uint32_t h) const;
    uint32_t rho_shift_bits(uint32_t h) const { return challenge_bits - h; }
    // Height above the leaves of the tree_d row holding partitions * apex_leaf_count nodes.
    uint32_t apex_row_height() const { return challenge_bits - partition_bits - apex_leaf_bits; }
};

// Parameters for a sector of sector_nodes nodes: a power of two from 2^5
// (1KiB test sectors) to 2^31 (64GiB).
Result<SnapParams> snap_params(uint64_t sector_nodes);

// Poseidon_2 with tag 2^40 (HASH_TYPE_GEN_RANDOMNESS).
Fr snap_gen_randomness(const Fr &a, const Fr &b);
// phi = H(comm_d_new, comm_r_old); comm_d_new is the tree_d root read as Fr
// (always canonical: trunc254).
Fr snap_phi(const Fr &comm_d_new, const Fr &comm_r_old);
// rho(high) = H(phi, high).
Fr snap_rho(const Fr &phi, uint64_t high);

// The 2^h rho values (and their inverses) used to encode one sector.
struct SnapEncoding {
    uint32_t h = 0;
    uint32_t rho_shift_bits = 0;
    std::vector<Fr> rhos;
    std::vector<Fr> rho_inverses;

    const Fr &rho_of_node(uint64_t node) const { return rhos[node >> rho_shift_bits]; }
};
// h must be one of params.hs.
Result<SnapEncoding> snap_encoding(const SnapParams &params, const Fr &phi, uint32_t h);

// Node ranges [first_node, first_node + count) of the sector; every pointer
// points at the bytes of node first_node of its file. Outputs may alias
// inputs. Non-canonical input nodes are errors naming the node.
// new_replica = sector_key + data * rho
Status snap_encode_nodes(const SnapEncoding &encoding, uint64_t first_node, uint64_t count, const uint8_t *sector_key,
                         const uint8_t *data, uint8_t *new_replica);
// data = (new_replica - sector_key) * rho^-1
Status snap_decode_nodes(const SnapEncoding &encoding, uint64_t first_node, uint64_t count, const uint8_t *new_replica,
                         const uint8_t *sector_key, uint8_t *data);
// sector_key = new_replica - data * rho
Status snap_remove_data_nodes(const SnapEncoding &encoding, uint64_t first_node, uint64_t count,
                              const uint8_t *new_replica, const uint8_t *data, uint8_t *sector_key);

// digest_j = H(comm_r_new, j), j counted across partitions.
Fr snap_challenge_digest(const Fr &comm_r_new, uint64_t j);
// The challenges_per_partition challenges of partition k (storage-proofs-update
// challenges.rs); all lie in [k N/P, (k+1) N/P).
Result<std::vector<uint64_t>> snap_challenges(const SnapParams &params, const Fr &comm_r_new, uint32_t k);

// The tree_d_new row of partitions * apex_leaf_count nodes, from the new data
// (sector_nodes LE32 nodes): each node is the SHA-254 root of its slice.
Result<std::vector<uint8_t>> snap_apex_row_from_data(const SnapParams &params, std::span<const uint8_t> data);
// The same row read from a full tree-d file (2N-1 nodes, leaves first).
Result<std::span<const uint8_t>> snap_apex_row_from_tree_d(const SnapParams &params, std::span<const uint8_t> tree_d);
// Partition k's apex leafs: nodes k*A .. (k+1)*A - 1 of the apex row.
Result<std::vector<Bytes32>> snap_apex_leafs(const SnapParams &params, std::span<const uint8_t> apex_row, uint32_t k);

} // namespace dmc
