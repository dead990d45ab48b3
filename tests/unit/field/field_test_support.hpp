// SPDX-License-Identifier: Apache-2.0
//
// Small helpers shared by the field-area tests: Fr from vector hex/limbs and
// back, deterministic random elements.
#pragma once

#include <array>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "damocles/sdk/fr.hpp"
#include "damocles/sdk/hex.hpp"
#include "vectors.hpp"

namespace dmc::test {

inline Fr fr_from_hex(const std::string &le_hex)
{
    auto bytes = hex_bytes(le_hex);
    auto fr = Fr::from_bytes(bytes);
    if (!fr) throw std::runtime_error("vector value is not a field element: " + le_hex);
    return *fr;
}
inline Fr fr_from_hex(const json &j) { return fr_from_hex(j.get<std::string>()); }

inline std::vector<Fr> frs_from_hex(const json &list)
{
    std::vector<Fr> out;
    for (const auto &item : list) out.push_back(fr_from_hex(item));
    return out;
}

inline std::string hex_of(const Fr &value)
{
    const Bytes32 bytes = value.to_bytes();
    return to_hex(bytes);
}

// "0x..." limb strings (as the vectors write u64 limbs).
inline uint64_t u64_from_hex(const json &j) { return std::stoull(j.get<std::string>(), nullptr, 16); }
inline std::array<uint64_t, 4> limbs_from_json(const json &list)
{
    std::array<uint64_t, 4> out{};
    for (size_t i = 0; i < 4; ++i) out[i] = u64_from_hex(list.at(i));
    return out;
}

// Uniform-ish random canonical element (rejection sampling on 255 bits).
inline Fr random_fr(std::mt19937_64 &rng)
{
    for (;;) {
        std::array<uint64_t, 4> limbs = {rng(), rng(), rng(), rng() >> 1};
        auto fr = Fr::from_canonical_limbs(limbs);
        if (fr) return *fr;
    }
}

inline std::vector<uint8_t> random_nodes(std::mt19937_64 &rng, size_t count)
{
    std::vector<uint8_t> out(count * 32);
    for (size_t i = 0; i < count; ++i) random_fr(rng).to_bytes(out.data() + 32 * i);
    return out;
}

} // namespace dmc::test

// Catch prints field elements as their canonical LE hex.
namespace Catch {
template <> struct StringMaker<dmc::Fr> {
    static std::string convert(const dmc::Fr &value) { return dmc::test::hex_of(value); }
};
} // namespace Catch

namespace dmc::test {

// A CommR CID (multibase "b" = base32 lower, no padding): checks CIDv1, codec
// fil-commitment-sealed (0xf102), multihash poseidon-bls12_381-a2-fc1 (0xb401)
// of 32 bytes, and returns the digest.
inline std::vector<uint8_t> comm_r_cid_digest(const std::string &cid)
{
    if (cid.empty() || cid[0] != 'b') throw std::runtime_error("not a base32 CID: " + cid);
    std::vector<uint8_t> bytes;
    uint32_t buffer = 0;
    int bits = 0;
    for (size_t i = 1; i < cid.size(); ++i) {
        const char c = cid[i];
        int value = c >= 'a' && c <= 'z' ? c - 'a' : c >= '2' && c <= '7' ? c - '2' + 26 : -1;
        if (value < 0) throw std::runtime_error("bad base32 character in " + cid);
        buffer = (buffer << 5) | static_cast<uint32_t>(value);
        bits += 5;
        if (bits >= 8) {
            bytes.push_back(static_cast<uint8_t>(buffer >> (bits - 8)));
            bits -= 8;
        }
    }
    size_t pos = 0;
    const auto varint = [&] {
        uint64_t value = 0;
        for (int shift = 0;; shift += 7) {
            const uint8_t byte = bytes.at(pos++);
            value |= static_cast<uint64_t>(byte & 0x7f) << shift;
            if (!(byte & 0x80)) return value;
        }
    };
    if (varint() != 1 || varint() != 0xf102 || varint() != 0xb401 || varint() != 32 || bytes.size() - pos != 32)
        throw std::runtime_error("not a CommR CID: " + cid);
    return std::vector<uint8_t>(bytes.begin() + static_cast<long>(pos), bytes.end());
}

} // namespace dmc::test
