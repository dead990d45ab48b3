// SPDX-License-Identifier: Apache-2.0
//
// Lotus' JSON encodings: standard base64 (RFC 4648 vectors, OpenSSL as a
// second implementation), ID addresses, the seal-randomness entropy, CID
// syntax, big ints, tipset keys, and the JsonView readers' errors.
#include <catch2/catch.hpp>

#include <openssl/evp.h>

#include <random>

#include "service/chain/base64.hpp"
#include "service/chain/id_address.hpp"
#include "service/chain/json_view.hpp"
#include "service/chain/lotus_encoding.hpp"

using namespace dmc;
using namespace dmc::service::chain;
using nlohmann::json;

namespace {

std::vector<uint8_t> bytes_of(std::string_view text) { return {text.begin(), text.end()}; }

std::string openssl_base64(const std::vector<uint8_t> &bytes)
{
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int length =
        EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()), bytes.data(), static_cast<int>(bytes.size()));
    out.resize(static_cast<size_t>(length));
    return out;
}

const char *kCommD = "baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy";
const char *kCommR = "bagboea4b5abcbnym7z3pgc64fk5wwsk3nsmz62jamgaa3pekzelmm3fv5q6g6zji";
const char *kBlockCid = "bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4";

// The block CID without its last two digest bytes: valid base32, short digest.
std::string truncated_block_cid()
{
    auto bytes = base32_lower_decode(std::string_view(kBlockCid).substr(1));
    REQUIRE(bytes.ok());
    bytes->resize(bytes->size() - 2);
    return std::string("b").append(base32_lower_encode(*bytes));
}

} // namespace

TEST_CASE("chain base64: RFC 4648 vectors both ways", "[chain][encoding]")
{
    const std::vector<std::pair<std::string, std::string>> vectors = {{"", ""},
                                                                      {"f", "Zg=="},
                                                                      {"fo", "Zm8="},
                                                                      {"foo", "Zm9v"},
                                                                      {"foob", "Zm9vYg=="},
                                                                      {"fooba", "Zm9vYmE="},
                                                                      {"foobar", "Zm9vYmFy"}};
    for (const auto &[plain, encoded] : vectors) {
        CHECK(base64_encode(bytes_of(plain)) == encoded);
        auto decoded = base64_decode(encoded);
        REQUIRE(decoded.ok());
        CHECK(*decoded == bytes_of(plain));
    }
    // The alphabet's last two symbols are '+' and '/' (not URL-safe).
    CHECK(base64_encode(std::vector<uint8_t>{0xfb, 0xff}) == "+/8=");
}

TEST_CASE("chain base64: agrees with OpenSSL on random inputs", "[chain][encoding]")
{
    std::mt19937_64 random(20240601);
    for (int round = 0; round < 200; ++round) {
        std::vector<uint8_t> bytes(random() % 70);
        for (auto &byte : bytes) byte = static_cast<uint8_t>(random());
        const std::string expected = openssl_base64(bytes);
        CHECK(base64_encode(bytes) == expected);
        auto decoded = base64_decode(expected);
        REQUIRE(decoded.ok());
        CHECK(*decoded == bytes);
    }
}

TEST_CASE("chain base64: malformed text is refused with its position", "[chain][encoding]")
{
    for (const char *bad : {"Zg=", "Zg", "Z===", "=Zg=", "Zg==Zg==", "Zm9v\n", "Zm 9", "Zm-_", "Zh==", "Zm9="}) {
        auto decoded = base64_decode(bad);
        INFO(bad);
        REQUIRE_FALSE(decoded.ok());
        CHECK(decoded.error().code == Errc::invalid_argument);
        CHECK_THAT(decoded.error().message, Catch::StartsWith("invalid base64: "));
    }
    CHECK_THAT(base64_decode("Zm-_").error().message, Catch::Contains("position 2"));
}

TEST_CASE("chain address: ID addresses parse and print", "[chain][address]")
{
    auto mainnet = parse_id_address("f01000");
    REQUIRE(mainnet.ok());
    CHECK(mainnet->id == 1000);
    CHECK(mainnet->network == 'f');
    CHECK(mainnet->to_string() == "f01000");
    auto testnet = parse_id_address("t01002");
    REQUIRE(testnet.ok());
    CHECK(testnet->id == 1002);
    CHECK(testnet->to_string() == "t01002");
    CHECK(parse_id_address("f00")->id == 0);
    CHECK(parse_id_address("f09223372036854775807")->id == kMaxActorId);

    const std::vector<std::pair<std::string, std::string>> bad = {{"f09223372036854775808", "below 2^63"},
                                                                  {"f099999999999999999999", "19 digits"},
                                                                  {"x01000", "network prefix"},
                                                                  {"f11000", "not an ID address"},
                                                                  {"f3abc", "not an ID address"},
                                                                  {"f0", "too short"},
                                                                  {"f0-1", "decimal digits"},
                                                                  {"f001000", "leading zero"},
                                                                  {"f0100a", "decimal digits"},
                                                                  {"f91", "unknown protocol"}};
    for (const auto &[text, why] : bad) {
        auto parsed = parse_id_address(text);
        INFO(text);
        REQUIRE_FALSE(parsed.ok());
        CHECK_THAT(parsed.error().message, Catch::Contains(why));
    }
}

TEST_CASE("chain address: seal randomness entropy is the address as a CBOR byte string", "[chain][address]")
{
    // f01000: protocol 0, uvarint(1000) = e8 07, CBOR header 0x43.
    CHECK(seal_randomness_entropy(1000) == std::vector<uint8_t>{0x43, 0x00, 0xe8, 0x07});
    CHECK(base64_encode(seal_randomness_entropy(1000)) == "QwDoBw==");
    CHECK(base64_encode(seal_randomness_entropy(1002)) == "QwDqBw==");
    CHECK(seal_randomness_entropy(0) == std::vector<uint8_t>{0x42, 0x00, 0x00});
    CHECK(seal_randomness_entropy(127) == std::vector<uint8_t>{0x42, 0x00, 0x7f});
    CHECK(seal_randomness_entropy(128) == std::vector<uint8_t>{0x43, 0x00, 0x80, 0x01});
    // The largest id: 9 varint bytes, still a short CBOR length (0x4a).
    CHECK(seal_randomness_entropy(kMaxActorId) ==
          std::vector<uint8_t>{0x4a, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f});
    CHECK(id_address_bytes(1234) == std::vector<uint8_t>{0x00, 0xd2, 0x09});
}

TEST_CASE("chain encoding: CID syntax", "[chain][encoding]")
{
    CHECK(check_cid_string(kCommD).ok());
    CHECK(check_cid_string(kCommR).ok());
    CHECK(check_cid_string(kBlockCid).ok());
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"", "empty"},
        {"QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG", "CIDv0"},
        {"zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA", "base32"},
        {truncated_block_cid(), "digest length"},
        {std::string(kBlockCid) + "aa", "digest length"},
        {"BAFY2BZACEA3WSDH6Y3A36TB3SKEMPJOXQPUYOMPJBMFEYF34FI3UY6UUE42V4", "base32"},
        {"bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v1", "invalid CID"},
        {"baaaa", "version"}};
    for (const auto &[cid, why] : bad) {
        auto checked = check_cid_string(cid);
        INFO(cid);
        REQUIRE_FALSE(checked.ok());
        CHECK_THAT(checked.error().message, Catch::Contains(why));
    }
}

TEST_CASE("chain encoding: big ints, tipset keys, CID objects", "[chain][encoding]")
{
    for (const char *good : {"0", "-1", "12", "340282366920938463463374607431768211456"})
        CHECK(is_decimal_big_int(good));
    for (const char *bad : {"", "-", "-0", "007", "1.5", "1e9", " 1", "+1", "0x10"})
        CHECK_FALSE(is_decimal_big_int(bad));

    CHECK(tipset_key_json(TipSetKey{}).is_null());
    CHECK(tipset_key_json(TipSetKey{{kBlockCid}}) == json::parse(std::string(R"([{"/":")") + kBlockCid + "\"}]"));
    CHECK(cid_json(kCommR).dump() == std::string(R"({"/":")") + kCommR + "\"}");
    CHECK(printable_excerpt("a\nb\xc3\xa9", 80) == "a?b??");
    CHECK(printable_excerpt("abcdef", 3) == "abc...");
}

TEST_CASE("chain json view: each reader names the field and the problem", "[chain][encoding]")
{
    const json document = json::parse(R"({
        "Number": 7, "Negative": -3, "Huge": 18446744073709551615, "Fraction": 1.5, "Text": "abc",
        "Flag": true, "Big": "123", "BadBig": "12a", "Bytes": "QwDoBw==", "NullBytes": null, "BadBytes": "QwDoBw=",
        "Cid": {"/": "bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4"},
        "CommR": {"/": "bagboea4b5abcbnym7z3pgc64fk5wwsk3nsmz62jamgaa3pekzelmm3fv5q6g6zji"},
        "CidExtra": {"/": "bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4", "x": 1},
        "CidString": "bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4",
        "Address": "t01002", "List": [1, 2], "Proof": 8, "BadProof": 99})");
    const JsonView root(document, "");
    auto field = [&](const char *name) { return root.field(name).value(); };

    CHECK(field("Number").as_int64().value() == 7);
    CHECK(field("Number").as_uint64().value() == 7);
    CHECK(field("Negative").as_int64().value() == -3);
    CHECK_THAT(field("Negative").as_uint64().error().message,
               Catch::Equals("Negative: expected a non-negative integer, got -3"));
    CHECK(field("Huge").as_uint64().value() == UINT64_MAX);
    CHECK_THAT(field("Huge").as_int64().error().message, Catch::Contains("out of range"));
    CHECK_THAT(field("Fraction").as_int64().error().message,
               Catch::Equals("Fraction: expected an integer, got a fractional number"));
    CHECK_THAT(field("Text").as_int64().error().message, Catch::Equals("Text: expected an integer, got a string"));
    CHECK(field("Flag").as_bool().value());
    CHECK(field("Big").as_big_int().value() == "123");
    CHECK_THAT(field("BadBig").as_big_int().error().message, Catch::Equals("BadBig: \"12a\" is not a decimal integer"));
    CHECK_THAT(field("Number").as_big_int().error().message, Catch::Contains("decimal string, got an integer"));
    CHECK(field("Bytes").as_base64_bytes().value() == std::vector<uint8_t>{0x43, 0x00, 0xe8, 0x07});
    CHECK(field("NullBytes").as_base64_bytes().value().empty());
    CHECK_THAT(field("BadBytes").as_base64_bytes().error().message, Catch::StartsWith("BadBytes: invalid base64"));
    CHECK(field("Cid").as_cid().value() == kBlockCid);
    CHECK(field("CommR").as_commitment(CommitmentKind::sealed).ok());
    CHECK_THAT(field("Cid").as_commitment(CommitmentKind::sealed).error().message,
               Catch::StartsWith("Cid: not a sealed (CommR) commitment CID"));
    CHECK_THAT(field("CommR").as_commitment(CommitmentKind::unsealed).error().message,
               Catch::StartsWith("CommR: not an unsealed (CommD/CommP) commitment CID"));
    CHECK_THAT(field("CidExtra").as_cid().error().message, Catch::Contains("other keys"));
    CHECK_THAT(field("CidString").as_cid().error().message,
               Catch::Equals("CidString: expected a CID object {\"/\": \"…\"}, got a string"));
    CHECK(field("Address").as_id_address().value() == IdAddress{1002, 't'});
    CHECK(field("Proof").as_seal_proof().value() == 8);
    CHECK_THAT(field("BadProof").as_seal_proof().error().message, Catch::Contains("not a registered seal proof"));
    auto elements = field("List").elements(false).value();
    REQUIRE(elements.size() == 2);
    CHECK(elements[1].path() == "List[1]");
    CHECK_THAT(field("Text").elements(true).error().message, Catch::Equals("Text: expected an array, got a string"));
    CHECK(field("NullBytes").elements(true).value().empty());

    CHECK_THAT(root.field("Missing").error().message, Catch::Equals("result: missing field \"Missing\""));
    CHECK(root.optional_field("Missing").value() == std::nullopt);
    CHECK(root.optional_field("NullBytes").value() == std::nullopt);
    CHECK_THAT(field("Text").field("x").error().message, Catch::Equals("Text: expected an object, got a string"));
    CHECK(field("Text").field("x").error().code == Errc::corrupt);
}
