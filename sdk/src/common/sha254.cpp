// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/sha254.hpp"

#include <mutex>
#include <stdexcept>

#include <openssl/sha.h>

namespace dmc {

Bytes32 sha256(std::span<const uint8_t> data)
{
    Bytes32 out;
    SHA256(data.data(), data.size(), out.data());
    return out;
}

Bytes32 sha254(std::span<const uint8_t> data)
{
    Bytes32 out = sha256(data);
    trunc254(out.data());
    return out;
}

void sha254_node(const uint8_t *left32, const uint8_t *right32, uint8_t *out32)
{
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, left32, 32);
    SHA256_Update(&ctx, right32, 32);
    SHA256_Final(out32, &ctx);
    trunc254(out32);
}

Bytes32 sha254_node(const Bytes32 &left, const Bytes32 &right)
{
    Bytes32 out;
    sha254_node(left.data(), right.data(), out.data());
    return out;
}

void sha254_level(const uint8_t *in, uint8_t *out, size_t count)
{
    for (size_t i = 0; i < count; ++i) {
        // The 64-byte input is contiguous: one SHA256 call.
        SHA256(in + 64 * i, 64, out + 32 * i);
        trunc254(out + 32 * i);
    }
}

Bytes32 sha254_tree_root(std::span<const uint8_t> leaves)
{
    size_t n = leaves.size() / 32;
    if (n == 0 || (n & (n - 1)) != 0 || leaves.size() % 32 != 0)
        throw std::invalid_argument("sha254_tree_root: leaf count must be a power of two");
    if (n == 1) {
        Bytes32 out;
        std::copy(leaves.begin(), leaves.begin() + 32, out.begin());
        return out;
    }
    std::vector<uint8_t> level(n / 2 * 32);
    sha254_level(leaves.data(), level.data(), n / 2);
    for (size_t m = n / 2; m > 1; m /= 2) sha254_level(level.data(), level.data(), m / 2); // in-place safe: out <= in
    Bytes32 out;
    std::copy(level.begin(), level.begin() + 32, out.begin());
    return out;
}

Bytes32 zero_comm(unsigned height)
{
    static std::once_flag once;
    static Bytes32 table[64];
    std::call_once(once, [] {
        table[0] = Bytes32{};
        for (unsigned h = 1; h < 64; ++h) table[h] = sha254_node(table[h - 1], table[h - 1]);
    });
    if (height >= 64) throw std::invalid_argument("zero_comm: height must be < 64");
    return table[height];
}

} // namespace dmc
