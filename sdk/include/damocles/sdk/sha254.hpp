// SPDX-License-Identifier: Apache-2.0
//
// SHA-256 truncated to 254 bits (docs/algorithms.md §0, §3.1): the hash of tree_d/CommD,
// CommP, replica ids and labels. trunc254 clears the two top bits of the last
// byte so the 32 bytes are a valid Fr in little-endian.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "damocles/sdk/hex.hpp"

namespace dmc {

inline void trunc254(uint8_t *digest32) { digest32[31] &= 0x3f; }

// Plain SHA-256 (OpenSSL).
Bytes32 sha256(std::span<const uint8_t> data);
// trunc254(SHA-256(data)).
Bytes32 sha254(std::span<const uint8_t> data);
// H(a, b) = trunc254(SHA-256(a || b)), the binary tree node hash.
void sha254_node(const uint8_t *left32, const uint8_t *right32, uint8_t *out32);
Bytes32 sha254_node(const Bytes32 &left, const Bytes32 &right);

// Hashes `count` pairs: out[i] = H(in[2i], in[2i+1]) (32-byte nodes). One
// level of a binary tree; out may equal in (in-place), no other overlap.
void sha254_level(const uint8_t *in, uint8_t *out, size_t count);

// Root of the binary tree whose leaves are `leaves` (32-byte nodes, count a
// power of two >= 1).
Bytes32 sha254_tree_root(std::span<const uint8_t> leaves);

// Z(h): root of 2^h zero leaves (docs/algorithms.md §3.3), h in 0..63.
Bytes32 zero_comm(unsigned height);

} // namespace dmc
