// SPDX-License-Identifier: Apache-2.0
//
// CID validation: every malformed input is refused with a message naming the
// problem; base32 round trips.
#include <catch2/catch.hpp>

#include <random>

#include "damocles/sdk/cid.hpp"

using namespace dmc;

namespace {

const char kCommD[] = "baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy";
const char kCommR[] = "bagboea4b5abcbnym7z3pgc64fk5wwsk3nsmz62jamgaa3pekzelmm3fv5q6g6zji";

std::string cid_of(const std::vector<uint8_t> &bytes)
{
    std::string cid = "b";
    cid += base32_lower_encode(bytes);
    return cid;
}

std::string error_of(std::string_view cid, CommitmentKind kind)
{
    auto r = cid_to_commitment(cid, kind);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::invalid_argument);
    return r.error().message;
}

} // namespace

TEST_CASE("CID decoding refuses wrong multibase, alphabet, version, codec, multihash and length", "[sdr][cid]")
{
    using Catch::Contains;
    CHECK_THAT(error_of("", CommitmentKind::unsealed), Contains("empty"));
    CHECK_THAT(error_of(std::string("z") + (kCommD + 1), CommitmentKind::unsealed), Contains("multibase prefix 'z'"));
    CHECK_THAT(error_of("BAGA6EA4SEAQPY7USQKLOKFX2VXUYNMUPSLKEUTZEXE2UQURDG5VHTEBHXQMPQMY", CommitmentKind::unsealed),
               Contains("multibase prefix 'B'"));
    std::string upper_body = kCommD;
    upper_body[5] = 'A';
    CHECK_THAT(error_of(upper_body, CommitmentKind::unsealed), Contains("invalid base32 character 'A'"));
    std::string digit = kCommD;
    digit[7] = '1';
    CHECK_THAT(error_of(digit, CommitmentKind::unsealed), Contains("position"));

    // Sealed CID where an unsealed one is expected, and the reverse.
    CHECK_THAT(error_of(kCommR, CommitmentKind::unsealed), Contains("codec 0xf102") && Contains("unsealed"));
    CHECK_THAT(error_of(kCommD, CommitmentKind::sealed), Contains("codec 0xf101") && Contains("sealed"));

    const Bytes32 comm{};
    auto bytes = commitment_cid_bytes(comm, CommitmentKind::unsealed);
    auto v0 = bytes;
    v0[0] = 0;
    CHECK_THAT(error_of(cid_of(v0), CommitmentKind::unsealed), Contains("version 0"));
    auto wrong_mh = bytes;
    wrong_mh[5] = 0x21; // varint 92 20 (0x1012) -> 92 21 (0x1092)
    CHECK_THAT(error_of(cid_of(wrong_mh), CommitmentKind::unsealed), Contains("multihash 0x1092"));
    auto short_digest = bytes;
    short_digest[6] = 31;
    short_digest.pop_back();
    CHECK_THAT(error_of(cid_of(short_digest), CommitmentKind::unsealed), Contains("31 bytes"));
    auto trailing = bytes;
    trailing.push_back(0);
    CHECK_THAT(error_of(cid_of(trailing), CommitmentKind::unsealed), Contains("does not match"));
    auto truncated = std::vector<uint8_t>(bytes.begin(), bytes.begin() + 3);
    CHECK_THAT(error_of(cid_of(truncated), CommitmentKind::unsealed), Contains("truncated"));
    std::string extra_byte = kCommD;
    extra_byte += "a"; // 63 -> 64 base32 characters: one more (zero) byte
    CHECK_THAT(error_of(extra_byte, CommitmentKind::unsealed), Contains("does not match"));
    std::string bad_length = kCommD;
    bad_length += "aa"; // leaves 5 bits over: not a valid unpadded length
    CHECK_THAT(error_of(bad_length, CommitmentKind::unsealed), Contains("invalid base32 length"));
}

TEST_CASE("piece CID v2 round trips with padding and refuses commitment CIDs", "[sdr][cid]")
{
    Bytes32 comm;
    for (size_t i = 0; i < 32; ++i) comm[i] = static_cast<uint8_t>(i);
    auto cid = piece_cid_v2(comm, 1 << 20, 1000);
    REQUIRE(cid.ok());
    auto parsed = parse_piece_cid_v2(*cid);
    REQUIRE(parsed.ok());
    CHECK(parsed->comm_p == comm);
    CHECK(parsed->height == 15);
    CHECK(parsed->padding == (1u << 20) / 128 * 127 - 1000);
    CHECK(parsed->payload_size() == 1000);
    CHECK_FALSE(piece_cid_v2(comm, 1000, 10).ok());
    CHECK_FALSE(piece_cid_v2(comm, 128, 128).ok());
    auto not_v2 = parse_piece_cid_v2(kCommD);
    REQUIRE_FALSE(not_v2.ok());
    CHECK_THAT(not_v2.error().message, Catch::Contains("raw (0x55)"));
}

TEST_CASE("base32 lower-case encoding round trips for every length", "[sdr][cid]")
{
    std::mt19937_64 rng(8);
    for (size_t n = 0; n < 80; ++n) {
        std::vector<uint8_t> bytes(n);
        for (auto &b : bytes) b = static_cast<uint8_t>(rng());
        const std::string text = base32_lower_encode(bytes);
        CHECK(text.size() == (n * 8 + 4) / 5);
        auto back = base32_lower_decode(text);
        REQUIRE(back.ok());
        CHECK(*back == bytes);
    }
}
