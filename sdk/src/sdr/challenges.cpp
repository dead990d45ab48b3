// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/challenges.hpp"

#include <array>
#include <cstring>
#include <stdexcept>

#include <blake2.h>
#include <openssl/sha.h>

#include "damocles/sdk/chacha.hpp"

namespace dmc {

namespace {

constexpr char kNiTag[] = "filecoin.io|PoRep|1|NonInteractive|1";
constexpr char kSynthGenerationKey[] = "filecoin.io|PoRep|1|Synthetic|1|Generation";
constexpr char kSynthSelectionKey[] = "filecoin.io|PoRep|1|Synthetic|1|Selection";
constexpr std::array<uint8_t, 12> kSynthNonce = {'s', 'y', 'n', 't', 'h', '-', 'p', 'o', 'r', 'e', 'p', 0};

Bytes32 keyed_blake2b_256(const char *key, const Bytes32 &a, const Bytes32 &b)
{
    uint8_t msg[64];
    std::memcpy(msg, a.data(), 32);
    std::memcpy(msg + 32, b.data(), 32);
    Bytes32 out;
    blake2b(out.data(), msg, key, out.size(), sizeof msg, std::strlen(key));
    return out;
}

void put_u32_le(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

} // namespace

uint64_t challenge_from_bytes(const uint8_t *le32, uint64_t nodes)
{
    if (nodes < 3) throw std::invalid_argument("challenge_from_bytes: a sector has at least 3 nodes");
    const uint64_t m = nodes - 1;
    unsigned __int128 r = 0;
    for (int limb = 3; limb >= 0; --limb) {
        uint64_t w = 0;
        for (int i = 7; i >= 0; --i) w = w << 8 | le32[8 * limb + i];
        r = ((r << 64) | w) % m;
    }
    return static_cast<uint64_t>(r) + 1;
}

uint64_t interactive_challenge(const Bytes32 &replica_id, const Bytes32 &seed, uint32_t j, uint64_t nodes)
{
    uint8_t pre[68];
    std::memcpy(pre, replica_id.data(), 32);
    std::memcpy(pre + 32, seed.data(), 32);
    put_u32_le(pre + 64, j);
    uint8_t h[32];
    SHA256(pre, sizeof pre, h);
    return challenge_from_bytes(h, nodes);
}

std::vector<uint64_t> interactive_challenges(const Bytes32 &replica_id, const Bytes32 &seed, uint64_t nodes,
                                             uint32_t partition, uint32_t per_partition)
{
    std::vector<uint64_t> out;
    out.reserve(per_partition);
    for (uint32_t i = 0; i < per_partition; ++i)
        out.push_back(interactive_challenge(replica_id, seed, partition * per_partition + i, nodes));
    return out;
}

uint64_t ni_challenge(const Bytes32 &replica_id, const Bytes32 &comm_r, uint32_t j, uint64_t nodes)
{
    constexpr size_t kTagLen = sizeof kNiTag - 1;
    uint8_t pre[kTagLen + 68];
    std::memcpy(pre, kNiTag, kTagLen);
    std::memcpy(pre + kTagLen, replica_id.data(), 32);
    std::memcpy(pre + kTagLen + 32, comm_r.data(), 32);
    put_u32_le(pre + kTagLen + 64, j);
    uint8_t h[32];
    SHA256(pre, sizeof pre, h);
    return challenge_from_bytes(h, nodes);
}

std::vector<uint64_t> ni_challenges(const Bytes32 &replica_id, const Bytes32 &comm_r, uint64_t nodes,
                                    uint32_t partition, uint32_t per_partition)
{
    std::vector<uint64_t> out;
    out.reserve(per_partition);
    for (uint32_t i = 0; i < per_partition; ++i)
        out.push_back(ni_challenge(replica_id, comm_r, partition * per_partition + i, nodes));
    return out;
}

Bytes32 synthetic_generation_key(const Bytes32 &replica_id, const Bytes32 &comm_r)
{
    return keyed_blake2b_256(kSynthGenerationKey, replica_id, comm_r);
}

Bytes32 synthetic_selection_key(const Bytes32 &replica_id, const Bytes32 &seed)
{
    return keyed_blake2b_256(kSynthSelectionKey, replica_id, seed);
}

uint64_t synthetic_challenge(const Bytes32 &generation_key, uint64_t i, uint64_t nodes)
{
    // Challenge i uses keystream bytes [32i, 32i + 32): half of block i/2.
    uint8_t block[64];
    chacha20_ietf_keystream(generation_key, kSynthNonce, static_cast<uint32_t>(i / 2), block, sizeof block);
    return challenge_from_bytes(block + 32 * (i % 2), nodes);
}

std::vector<uint64_t> synthetic_challenges(const Bytes32 &replica_id, const Bytes32 &comm_r, uint64_t nodes,
                                           uint64_t count)
{
    const Bytes32 key = synthetic_generation_key(replica_id, comm_r);
    std::vector<uint64_t> out;
    out.reserve(count);
    uint8_t block[64];
    for (uint64_t i = 0; i < count; i += 2) {
        chacha20_ietf_keystream(key, kSynthNonce, static_cast<uint32_t>(i / 2), block, sizeof block);
        out.push_back(challenge_from_bytes(block, nodes));
        if (i + 1 < count) out.push_back(challenge_from_bytes(block + 32, nodes));
    }
    return out;
}

std::vector<uint64_t> synthetic_selected_indexes(const Bytes32 &replica_id, const Bytes32 &seed,
                                                 uint64_t synthetic_count, uint32_t partition, uint32_t per_partition)
{
    const Bytes32 key = synthetic_selection_key(replica_id, seed);
    std::vector<uint64_t> out;
    out.reserve(per_partition);
    uint8_t block[64];
    uint64_t loaded_block = UINT64_MAX;
    for (uint32_t i = 0; i < per_partition; ++i) {
        const uint64_t j = uint64_t(partition) * per_partition + i;
        // 16 u32 words per 64-byte block.
        if (j / 16 != loaded_block) {
            loaded_block = j / 16;
            chacha20_ietf_keystream(key, kSynthNonce, static_cast<uint32_t>(loaded_block), block, sizeof block);
        }
        const uint8_t *w = block + 4 * (j % 16);
        const uint32_t word = uint32_t(w[0]) | uint32_t(w[1]) << 8 | uint32_t(w[2]) << 16 | uint32_t(w[3]) << 24;
        out.push_back(word % synthetic_count);
    }
    return out;
}

std::vector<uint64_t> synthetic_porep_challenges(const Bytes32 &replica_id, const Bytes32 &comm_r, const Bytes32 &seed,
                                                 uint64_t nodes, uint64_t synthetic_count, uint32_t partition,
                                                 uint32_t per_partition)
{
    const Bytes32 key = synthetic_generation_key(replica_id, comm_r);
    std::vector<uint64_t> out;
    for (uint64_t index : synthetic_selected_indexes(replica_id, seed, synthetic_count, partition, per_partition))
        out.push_back(synthetic_challenge(key, index, nodes));
    return out;
}

} // namespace dmc
