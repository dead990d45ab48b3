// SPDX-License-Identifier: Apache-2.0
//
// SnapDeals field primitives (docs/algorithms.md §13.3, §13.4; rust-fil-proofs
// storage-proofs-update constants.rs, challenges.rs, vanilla.rs phi/rho/Rhos).
#include "damocles/sdk/snap.hpp"

#include <algorithm>
#include <bit>
#include <string>

#include "damocles/sdk/poseidon.hpp"
#include "damocles/sdk/sha254.hpp"

namespace dmc {

namespace {

// Upstream thresholds (constants.rs), in nodes.
constexpr uint64_t kNodes8KiB = 1ull << 8;
constexpr uint64_t kNodes32KiB = 1ull << 10;
constexpr uint64_t kNodes16MiB = 1ull << 19;
constexpr uint32_t kFrCapacityBits = 254;

const Fr &gen_randomness_tag()
{
    static const Fr tag = poseidon_custom_tag(1);
    return tag;
}

Error bad_node(const char *what, uint64_t node)
{
    return make_error(Errc::invalid_argument, std::string(what) + " node " + std::to_string(node) +
                                                  " is not a canonical field element (value >= r)");
}

// Reads nodes of two inputs, combines them with the node's rho, writes out.
template <class Combine>
Status map_nodes(const SnapEncoding &encoding, uint64_t first_node, uint64_t count, const uint8_t *a,
                 const char *a_name, const uint8_t *b, const char *b_name, uint8_t *out, Combine combine)
{
    if (encoding.rhos.empty()) return make_error(Errc::invalid_argument, "snap encoding has no rho values");
    const uint64_t rho_count = encoding.rhos.size();
    if (count > 0 && ((first_node + count - 1) >> encoding.rho_shift_bits) >= rho_count)
        return make_error(Errc::invalid_argument, "node range ends beyond the sector");
    for (uint64_t i = 0; i < count; ++i) {
        Fr x, y;
        if (!Fr::try_from_bytes(a + 32 * i, x)) return bad_node(a_name, first_node + i);
        if (!Fr::try_from_bytes(b + 32 * i, y)) return bad_node(b_name, first_node + i);
        combine(x, y, (first_node + i) >> encoding.rho_shift_bits).to_bytes(out + 32 * i);
    }
    return {};
}

} // namespace

bool SnapParams::h_allowed(uint32_t h) const { return std::find(hs.begin(), hs.end(), h) != hs.end(); }

Result<SnapParams> snap_params(uint64_t sector_nodes)
{
    if (sector_nodes < 32 || sector_nodes > (1ull << 31) || !std::has_single_bit(sector_nodes))
        return make_error(Errc::invalid_argument, "SnapDeals sector of " + std::to_string(sector_nodes) +
                                                      " nodes: must be a power of two from 2^5 to 2^31");
    SnapParams p;
    p.sector_nodes = sector_nodes;
    p.partitions = sector_nodes <= kNodes8KiB    ? 1
                   : sector_nodes <= kNodes32KiB ? 2
                   : sector_nodes <= kNodes16MiB ? 4
                                                 : 16;
    p.challenges_per_partition = sector_nodes <= kNodes16MiB ? 10 : 86;
    p.hs = sector_nodes <= kNodes32KiB ? std::array<uint32_t, 6>{1, 1, 1, 1, 1, 1}
                                       : std::array<uint32_t, 6>{7, 8, 9, 10, 11, 12};
    p.h_default = p.hs[3];
    p.challenge_bits = static_cast<uint32_t>(std::countr_zero(sector_nodes));
    p.partition_bits = static_cast<uint32_t>(std::countr_zero(p.partitions));
    p.random_bits_per_challenge = p.challenge_bits - p.partition_bits;
    p.challenges_per_digest = kFrCapacityBits / p.random_bits_per_challenge;
    p.digests_per_partition = (p.challenges_per_partition + p.challenges_per_digest - 1) / p.challenges_per_digest;
    p.apex_leaf_count = sector_nodes <= kNodes8KiB ? 8 : 128;
    p.apex_leaf_bits = static_cast<uint32_t>(std::countr_zero(p.apex_leaf_count));
    return p;
}

Fr snap_gen_randomness(const Fr &a, const Fr &b)
{
    const Fr inputs[2] = {a, b};
    return poseidon_hash_tagged(2, gen_randomness_tag(), inputs);
}

Fr snap_phi(const Fr &comm_d_new, const Fr &comm_r_old) { return snap_gen_randomness(comm_d_new, comm_r_old); }

Fr snap_rho(const Fr &phi, uint64_t high) { return snap_gen_randomness(phi, Fr::from_u64(high)); }

Result<SnapEncoding> snap_encoding(const SnapParams &params, const Fr &phi, uint32_t h)
{
    if (!params.h_allowed(h))
        return make_error(Errc::invalid_argument, "h = " + std::to_string(h) + " is not allowed for a sector of " +
                                                      std::to_string(params.sector_nodes) + " nodes");
    SnapEncoding e;
    e.h = h;
    e.rho_shift_bits = params.rho_shift_bits(h);
    e.rhos.reserve(1ull << h);
    e.rho_inverses.reserve(1ull << h);
    for (uint64_t high = 0; high < (1ull << h); ++high) {
        e.rhos.push_back(snap_rho(phi, high));
        // rho = 0 has probability 1/r; treat it as the internal error it would be.
        DMC_TRY_ASSIGN(const Fr inverse_rho, inverse(e.rhos.back()));
        e.rho_inverses.push_back(inverse_rho);
    }
    return e;
}

Status snap_encode_nodes(const SnapEncoding &encoding, uint64_t first_node, uint64_t count, const uint8_t *sector_key,
                         const uint8_t *data, uint8_t *new_replica)
{
    return map_nodes(encoding, first_node, count, sector_key, "sector key", data, "data", new_replica,
                     [&](const Fr &key, const Fr &value, uint64_t high) { return key + value * encoding.rhos[high]; });
}

Status snap_decode_nodes(const SnapEncoding &encoding, uint64_t first_node, uint64_t count, const uint8_t *new_replica,
                         const uint8_t *sector_key, uint8_t *data)
{
    return map_nodes(
        encoding, first_node, count, new_replica, "new replica", sector_key, "sector key", data,
        [&](const Fr &replica, const Fr &key, uint64_t high) { return (replica - key) * encoding.rho_inverses[high]; });
}

Status snap_remove_data_nodes(const SnapEncoding &encoding, uint64_t first_node, uint64_t count,
                              const uint8_t *new_replica, const uint8_t *data, uint8_t *sector_key)
{
    return map_nodes(
        encoding, first_node, count, new_replica, "new replica", data, "data", sector_key,
        [&](const Fr &replica, const Fr &value, uint64_t high) { return replica - value * encoding.rhos[high]; });
}

Fr snap_challenge_digest(const Fr &comm_r_new, uint64_t j) { return snap_gen_randomness(comm_r_new, Fr::from_u64(j)); }

Result<std::vector<uint64_t>> snap_challenges(const SnapParams &params, const Fr &comm_r_new, uint32_t k)
{
    if (k >= params.partitions)
        return make_error(Errc::invalid_argument,
                          "partition " + std::to_string(k) + " of " + std::to_string(params.partitions));
    const uint32_t bits = params.random_bits_per_challenge;
    std::vector<uint64_t> out;
    std::array<uint64_t, 4> digest{};
    for (uint32_t i = 0; i < params.challenges_per_partition; ++i) {
        const uint32_t slot = i % params.challenges_per_digest;
        if (slot == 0) {
            const uint64_t j = uint64_t{k} * params.digests_per_partition + i / params.challenges_per_digest;
            digest = snap_challenge_digest(comm_r_new, j).to_canonical_limbs();
        }
        // Little-endian bits slot*bits .. slot*bits + bits - 1 of the canonical digest.
        uint64_t c = 0;
        for (uint32_t m = 0; m < bits; ++m) {
            const uint32_t bit = slot * bits + m;
            c |= ((digest[bit / 64] >> (bit % 64)) & 1) << m;
        }
        out.push_back(c | (uint64_t{k} << bits));
    }
    return out;
}

Result<std::vector<uint8_t>> snap_apex_row_from_data(const SnapParams &params, std::span<const uint8_t> data)
{
    if (data.size() < 32 * params.sector_nodes)
        return make_error(Errc::invalid_argument, "new data holds " + std::to_string(data.size() / 32) +
                                                      " nodes, the sector " + std::to_string(params.sector_nodes));
    const uint64_t row_nodes = uint64_t{params.partitions} * params.apex_leaf_count;
    const uint64_t slice = params.sector_nodes / row_nodes;
    std::vector<uint8_t> row(32 * row_nodes);
    for (uint64_t i = 0; i < row_nodes; ++i) {
        const Bytes32 root = sha254_tree_root(data.subspan(32 * i * slice, 32 * slice));
        std::copy(root.begin(), root.end(), row.begin() + 32 * i);
    }
    return row;
}

Result<std::span<const uint8_t>> snap_apex_row_from_tree_d(const SnapParams &params, std::span<const uint8_t> tree_d)
{
    const uint64_t expected = 32 * (2 * params.sector_nodes - 1);
    if (tree_d.size() != expected)
        return make_error(Errc::corrupt, "tree-d holds " + std::to_string(tree_d.size()) + " bytes, expected " +
                                             std::to_string(expected));
    uint64_t offset = 0;
    for (uint32_t row = 0; row < params.apex_row_height(); ++row) offset += params.sector_nodes >> row;
    const uint64_t row_nodes = uint64_t{params.partitions} * params.apex_leaf_count;
    return tree_d.subspan(32 * offset, 32 * row_nodes);
}

Result<std::vector<Bytes32>> snap_apex_leafs(const SnapParams &params, std::span<const uint8_t> apex_row, uint32_t k)
{
    const uint64_t per = params.apex_leaf_count;
    if (k >= params.partitions || apex_row.size() != 32 * per * params.partitions)
        return make_error(Errc::invalid_argument, "apex row of " + std::to_string(apex_row.size() / 32) +
                                                      " nodes / partition " + std::to_string(k) +
                                                      " do not match the sector");
    std::vector<Bytes32> leafs(per);
    for (uint64_t i = 0; i < per; ++i) std::copy_n(apex_row.begin() + 32 * (k * per + i), 32, leafs[i].begin());
    return leafs;
}

} // namespace dmc
