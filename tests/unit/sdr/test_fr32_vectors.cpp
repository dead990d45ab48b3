// SPDX-License-Identifier: Apache-2.0
//
// fr32 padding against the upstream/derived vectors (docs/algorithms.md §2).
#include <catch2/catch.hpp>

#include <openssl/sha.h>

#include "damocles/sdk/fr32.hpp"
#include "sdr_test_support.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

std::vector<uint8_t> raw_input(const json &v)
{
    const auto &in = v.at("inputs");
    if (in.contains("raw_hex")) return hex_bytes(in.at("raw_hex"));
    // The one rule-described input: "1016 bytes of 0xff".
    REQUIRE(in.at("raw_hex_rule") == "1016 bytes of 0xff");
    return std::vector<uint8_t>(1016, 0xff);
}

} // namespace

TEST_CASE("fr32 padding matches every fr32_pad vector, in one piece and streamed", "[sdr][fr32]")
{
    const auto vectors = use_vectors_of_kind("sdr", "fr32_pad");
    REQUIRE(vectors.size() == 6);
    for (const json *vp : vectors) {
        const json &v = *vp;
        INFO(v.at("name").get<std::string>());
        const auto raw = raw_input(v);
        REQUIRE(raw.size() == v.at("inputs").at("raw_len").get<size_t>());
        const auto &e = v.at("expected");
        const auto padded = fr32_pad(raw);
        CHECK(padded.size() == e.at("padded_len").get<size_t>());
        CHECK(fr32_padded_length(raw.size()) == e.at("padded_len").get<uint64_t>());
        if (e.contains("padded_hex")) {
            CHECK(to_hex(padded) == e.at("padded_hex").get<std::string>());
        } else {
            uint8_t digest[32];
            SHA256(padded.data(), padded.size(), digest);
            CHECK(hex_of(digest, 32) == e.at("padded_sha256").get<std::string>());
            CHECK(hex_of(padded.data(), 128) == e.at("padded_block_hex").get<std::string>());
        }
        // Streaming with awkward chunk sizes gives the same bytes.
        for (size_t chunk : {1, 7, 31, 126, 127, 128, 1000}) {
            Fr32Padder padder;
            std::vector<uint8_t> streamed;
            for (size_t off = 0; off < raw.size(); off += chunk)
                padder.write(std::span<const uint8_t>(raw).subspan(off, std::min(chunk, raw.size() - off)), streamed);
            padder.finish(streamed);
            CHECK(streamed == padded);
        }
        auto back = fr32_unpad(padded, raw.size());
        REQUIRE(back.ok());
        CHECK(*back == raw);
    }
}

TEST_CASE("fr32 size conversions match fr32_size_conversions", "[sdr][fr32]")
{
    const auto &v = use_vector("sdr", "fr32_size_conversions");
    const auto &unpadded = v.at("inputs").at("unpadded_values");
    const auto &to_padded = v.at("expected").at("to_padded_bytes");
    REQUIRE(unpadded.size() == to_padded.size());
    for (size_t i = 0; i < unpadded.size(); ++i) CHECK(to_padded_bytes(as_u64(unpadded[i])) == as_u64(to_padded[i]));
    const auto &padded = v.at("expected").at("padded_values");
    const auto &to_unpadded = v.at("expected").at("to_unpadded_bytes");
    REQUIRE(padded.size() == to_unpadded.size());
    for (size_t i = 0; i < padded.size(); ++i) CHECK(to_unpadded_bytes(as_u64(padded[i])) == as_u64(to_unpadded[i]));
}

TEST_CASE("canonical Fr bytes match fr_bytes_validity", "[sdr][fr32]")
{
    const auto &v = use_vector("sdr", "fr_bytes_validity");
    const auto &values = v.at("inputs").at("le_hex_list");
    const auto &valid = v.at("expected").at("is_valid_fr");
    REQUIRE(values.size() == valid.size());
    for (size_t i = 0; i < values.size(); ++i) {
        const auto bytes = hex_bytes(values[i]);
        CHECK(is_canonical_fr(bytes.data()) == valid[i].get<bool>());
    }
}
