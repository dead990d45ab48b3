// SPDX-License-Identifier: Apache-2.0
//
// fr32 properties: agreement with a bit-by-bit reference of docs/algorithms.md §2.1 on
// random inputs, streaming == span for random chunkings, round trips, size
// arithmetic and error cases.
#include <catch2/catch.hpp>

#include <random>

#include "damocles/sdk/fr32.hpp"
#include "damocles/sdk/hex.hpp"

using namespace dmc;

namespace {

// docs/algorithms.md §2.1 literally: LSB-first bit stream, two zero bits after every
// complete 254-bit unit; whole 32-byte nodes of output (§2.2).
std::vector<uint8_t> pad_bitwise(const std::vector<uint8_t> &raw)
{
    const uint64_t bits = raw.size() * 8;
    const uint64_t nodes = (bits + 253) / 254;
    std::vector<uint8_t> out(nodes * 32, 0);
    uint64_t o = 0;
    for (uint64_t k = 0; k < bits; ++k) {
        if (raw[k / 8] >> (k % 8) & 1) out[o / 8] |= uint8_t(1u << (o % 8));
        ++o;
        if ((k + 1) % 254 == 0) o += 2;
    }
    return out;
}

std::vector<uint8_t> random_bytes(std::mt19937_64 &rng, size_t n)
{
    std::vector<uint8_t> v(n);
    for (auto &b : v) b = static_cast<uint8_t>(rng());
    return v;
}

} // namespace

TEST_CASE("fr32_pad equals the bit-by-bit definition for random lengths", "[sdr][fr32]")
{
    std::mt19937_64 rng(1);
    for (int round = 0; round < 300; ++round) {
        const size_t n = round < 260 ? static_cast<size_t>(round) : static_cast<size_t>(rng() % 5000);
        const auto raw = random_bytes(rng, n);
        INFO("length " << n);
        const auto padded = fr32_pad(raw);
        CHECK(padded == pad_bitwise(raw));
        CHECK(padded.size() == fr32_padded_length(n));
    }
}

TEST_CASE("streaming pad and unpad agree with the span helpers for random chunkings", "[sdr][fr32]")
{
    std::mt19937_64 rng(2);
    for (int round = 0; round < 100; ++round) {
        const size_t n = static_cast<size_t>(rng() % 20000);
        const auto raw = random_bytes(rng, n);
        const auto padded = fr32_pad(raw);

        Fr32Padder padder;
        std::vector<uint8_t> streamed;
        for (size_t off = 0; off < n;) {
            const size_t chunk = std::min<size_t>(n - off, 1 + rng() % 700);
            padder.write(std::span<const uint8_t>(raw).subspan(off, chunk), streamed);
            off += chunk;
        }
        padder.finish(streamed);
        REQUIRE(streamed == padded);
        CHECK(padder.raw_bytes() == n);

        Fr32Unpadder unpadder;
        std::vector<uint8_t> back;
        for (size_t off = 0; off < padded.size();) {
            const size_t chunk = std::min<size_t>(padded.size() - off, 1 + rng() % 700);
            REQUIRE(unpadder.write(std::span<const uint8_t>(padded).subspan(off, chunk), back).ok());
            off += chunk;
        }
        REQUIRE(unpadder.finish(back).ok());
        REQUIRE(back.size() >= n);
        back.resize(n);
        CHECK(back == raw);

        auto direct = fr32_unpad(padded, n);
        REQUIRE(direct.ok());
        CHECK(*direct == raw);
    }
}

TEST_CASE("every padded node has its two top bits clear and is a canonical Fr", "[sdr][fr32]")
{
    const std::vector<uint8_t> ones(127 * 9, 0xff);
    const auto padded = fr32_pad(ones);
    for (size_t i = 0; i < padded.size(); i += 32) {
        CHECK(is_fr32_node(padded.data() + i));
        CHECK(is_canonical_fr(padded.data() + i));
    }
}

TEST_CASE("size conversions: whole blocks scale by 128/127 and round trip", "[sdr][fr32]")
{
    for (uint64_t blocks : {uint64_t(1), uint64_t(16), uint64_t(1) << 20, uint64_t(1) << 28, uint64_t(1) << 40}) {
        CHECK(to_padded_bytes(blocks * 127) == blocks * 128);
        CHECK(to_unpadded_bytes(blocks * 128) == blocks * 127);
        CHECK(fr32_padded_length(blocks * 127) == blocks * 128);
    }
    std::mt19937_64 rng(3);
    for (int i = 0; i < 1000; ++i) {
        const uint64_t n = rng() % (uint64_t(1) << 50);
        CHECK(to_unpadded_bytes(to_padded_bytes(n)) == n);
    }
}

TEST_CASE("unpadding refuses nodes with a top bit set and impossible lengths", "[sdr][fr32]")
{
    std::vector<uint8_t> padded(128, 0);
    padded[32 + 31] = 0x40; // node 1
    auto r = fr32_unpad(padded, 127);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::invalid_argument);
    CHECK_THAT(r.error().message, Catch::Contains("node 1") && Catch::Contains("top bits"));

    std::vector<uint8_t> ok(64, 0);
    auto too_long = fr32_unpad(ok, 64);
    REQUIRE_FALSE(too_long.ok());
    CHECK_THAT(too_long.error().message, Catch::Contains("at most 63"));
}

TEST_CASE("canonical Fr: r - 1 is valid, r and above are not", "[sdr][fr32]")
{
    auto r = from_hex("01000000fffffffffe5bfeff02a4bd5305d8a10908d83933487d9d2953a7ed73");
    REQUIRE(r.ok());
    CHECK_FALSE(is_canonical_fr(r->data()));
    auto below = *r;
    below[0] = 0x00; // r - 1
    CHECK(is_canonical_fr(below.data()));
    auto above = *r;
    above[0] = 0x02; // r + 1
    CHECK_FALSE(is_canonical_fr(above.data()));
}
