// SPDX-License-Identifier: Apache-2.0
//
// Pieces: streaming CommP against a naive whole-tree computation, CommD from
// piece lists against the root of the staged sector bytes, the staged sector
// layout, and the error cases.
#include <catch2/catch.hpp>

#include <random>

#include <openssl/sha.h>

#include "damocles/sdk/comm_d.hpp"
#include "damocles/sdk/comm_p.hpp"
#include "damocles/sdk/fr32.hpp"
#include "damocles/sdk/sha254.hpp"
#include "damocles/sdk/staged_sector.hpp"
#include "sdr_test_support.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

// Root of the binary tree over `leaves` (power-of-two count), hashing with
// OpenSSL directly: trunc254(SHA256(left || right)).
Bytes32 naive_root(std::vector<uint8_t> level)
{
    while (level.size() > 32) {
        std::vector<uint8_t> next(level.size() / 2);
        for (size_t i = 0; i < next.size(); i += 32) {
            SHA256(level.data() + 2 * i, 64, next.data() + i);
            next[i + 31] &= 0x3f;
        }
        level.swap(next);
    }
    Bytes32 root;
    std::memcpy(root.data(), level.data(), 32);
    return root;
}

Bytes32 naive_comm_p(const std::vector<uint8_t> &payload, uint64_t piece_unpadded)
{
    std::vector<uint8_t> filled = payload;
    filled.resize(piece_unpadded, 0);
    return naive_root(fr32_pad(filled));
}

std::vector<uint8_t> random_bytes(std::mt19937_64 &rng, size_t n)
{
    std::vector<uint8_t> v(n);
    for (auto &b : v) b = static_cast<uint8_t>(rng());
    return v;
}

} // namespace

TEST_CASE("streaming CommP equals the naive tree for payloads around block and batch boundaries", "[sdr][piece]")
{
    std::mt19937_64 rng(4);
    // 1 MiB of padded data is one hashing batch: 127 << 13 raw bytes.
    const size_t batch_raw = 127u << 13;
    for (size_t n : {size_t(0), size_t(1), size_t(126), size_t(127), size_t(128), size_t(254), size_t(1000),
                     size_t(127 * 64 + 5), batch_raw - 1, batch_raw, batch_raw + 1, 3 * batch_raw + 77}) {
        INFO("payload " << n);
        const auto payload = random_bytes(rng, n);
        const uint64_t piece = piece_size_for_payload(n);
        CommPHasher hasher;
        for (size_t off = 0; off < n;) {
            const size_t chunk = std::min<size_t>(n - off, 1 + rng() % 300000);
            hasher.update(std::span<const uint8_t>(payload).subspan(off, chunk));
            off += chunk;
        }
        auto info = hasher.finish();
        REQUIRE(info.ok());
        CHECK(info->padded_size == piece / 127 * 128);
        CHECK(info->comm == naive_comm_p(payload, piece));
    }
}

TEST_CASE("CommP into a larger piece zero-fills it, and refuses bad sizes", "[sdr][piece]")
{
    std::mt19937_64 rng(5);
    const auto payload = random_bytes(rng, 300);
    auto big = compute_comm_p(
        [&, pos = size_t(0)](std::span<uint8_t> buf) mutable -> Result<size_t> {
            const size_t n = std::min(buf.size(), payload.size() - pos);
            std::memcpy(buf.data(), payload.data() + pos, n);
            pos += n;
            return n;
        },
        payload.size(), 127 * 32);
    REQUIRE(big.ok());
    CHECK(big->padded_size == 128 * 32);
    CHECK(big->comm == naive_comm_p(payload, 127 * 32));

    CommPHasher small;
    small.update(payload);
    auto too_small = small.finish(254);
    REQUIRE_FALSE(too_small.ok());
    CHECK_THAT(too_small.error().message, Catch::Contains("does not fit"));

    CommPHasher odd;
    auto bad = odd.finish(1000);
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error().message, Catch::Contains("not 127*2^k") && Catch::Contains("1016"));

    auto early_eof = compute_comm_p([](std::span<uint8_t>) -> Result<size_t> { return size_t(0); }, 10);
    REQUIRE_FALSE(early_eof.ok());
    CHECK_THAT(early_eof.error().message, Catch::Contains("ended after 0 of 10"));
}

TEST_CASE("piece sizes: legal unpadded sizes are 127*2^k", "[sdr][piece]")
{
    CHECK(is_valid_unpadded_piece_size(127));
    CHECK(is_valid_unpadded_piece_size(127ull << 30));
    CHECK_FALSE(is_valid_unpadded_piece_size(0));
    CHECK_FALSE(is_valid_unpadded_piece_size(128));
    CHECK_FALSE(is_valid_unpadded_piece_size(127 * 3));
    CHECK(*padded_piece_size(127 * 8) == 1024);
    CHECK_FALSE(padded_piece_size(100).ok());
    CHECK(*unpadded_piece_size(2048) == 2032);
    CHECK_FALSE(unpadded_piece_size(96).ok());
    CHECK_FALSE(unpadded_piece_size(64).ok());
    CHECK(piece_size_for_payload(0) == 127);
    CHECK(piece_size_for_payload(255) == 508);
}

TEST_CASE("CommD refuses malformed piece lists", "[sdr][piece]")
{
    const Bytes32 c{};
    auto not_pow2 = compute_comm_d(2048, std::vector<PieceInfo>{{c, 384}});
    REQUIRE_FALSE(not_pow2.ok());
    CHECK_THAT(not_pow2.error().message, Catch::Contains("piece 0") && Catch::Contains("not a power of two"));
    auto too_small = compute_comm_d(2048, std::vector<PieceInfo>{{c, 64}});
    REQUIRE_FALSE(too_small.ok());
    auto bigger = compute_comm_d(2048, std::vector<PieceInfo>{{c, 4096}});
    REQUIRE_FALSE(bigger.ok());
    CHECK_THAT(bigger.error().message, Catch::Contains("larger than the sector"));
    auto overflow = compute_comm_d(2048, std::vector<PieceInfo>{{c, 128}, {c, 1024}, {c, 1024}});
    REQUIRE_FALSE(overflow.ok());
    CHECK_THAT(overflow.error().message, Catch::Contains("do not fit"));
    auto bad_sector = compute_comm_d(3000, {});
    REQUIRE_FALSE(bad_sector.ok());
    CHECK_THAT(bad_sector.error().message, Catch::Contains("sector size 3000"));
}

TEST_CASE("lotus fillers make any valid list cover the sector exactly", "[sdr][piece]")
{
    std::mt19937_64 rng(6);
    for (int round = 0; round < 200; ++round) {
        const uint64_t sector = uint64_t(1) << (8 + rng() % 8);
        std::vector<PieceInfo> pieces;
        uint64_t sum = 0;
        for (;;) {
            const uint64_t size = uint64_t(128) << (rng() % 4);
            const uint64_t aligned = (sum + size - 1) / size * size;
            if (aligned + size > sector || rng() % 5 == 0) break;
            pieces.push_back({Bytes32{}, size});
            sum = aligned + size;
        }
        auto full = pieces_with_fillers(sector, pieces);
        REQUIRE(full.ok());
        uint64_t covered = 0;
        for (const auto &p : *full) {
            CHECK(covered % p.padded_size == 0); // naturally aligned
            covered += p.padded_size;
        }
        CHECK(covered == sector);
    }
}

TEST_CASE("staged sectors: layout, CommP of each piece, CommD == root of the bytes, tree_d agrees", "[sdr][piece]")
{
    std::mt19937_64 rng(7);
    TempDir dir("sdr-staged");
    for (int round = 0; round < 12; ++round) {
        const uint64_t sector = uint64_t(1) << (11 + rng() % 5); // 2KiB .. 32KiB
        const std::string path = dir / ("staged-" + std::to_string(round));
        auto writer = StagedSectorWriter::create(path, sector);
        REQUIRE(writer.ok());
        std::vector<std::pair<uint64_t, std::vector<uint8_t>>> placed; // padded offset, payload
        std::vector<uint64_t> sizes;
        for (int p = 0; p < 6; ++p) {
            const uint64_t piece = uint64_t(127) << (rng() % 4);
            const auto payload = random_bytes(rng, 1 + rng() % piece);
            const uint64_t start = get_piece_start_byte(sizes, piece);
            if (start + piece > sector / 128 * 127) {
                auto refused = writer->add_piece(payload, piece);
                REQUIRE_FALSE(refused.ok());
                CHECK_THAT(refused.error().message, Catch::Contains("does not fit"));
                break;
            }
            auto info = writer->add_piece(payload, piece);
            REQUIRE(info.ok());
            CHECK(info->comm == naive_comm_p(payload, piece));
            CHECK(info->padded_size == piece / 127 * 128);
            placed.emplace_back(start / 127 * 128, payload);
            sizes.push_back(piece);
        }
        CHECK(writer->pieces().size() == placed.size());
        auto comm_d = writer->finish();
        REQUIRE(comm_d.ok());

        auto bytes = read_file(path);
        REQUIRE(bytes.ok());
        REQUIRE(bytes->size() == sector);
        std::vector<uint8_t> expected(sector, 0);
        for (const auto &[offset, payload] : placed) {
            const auto padded = fr32_pad(payload);
            std::memcpy(expected.data() + offset, padded.data(), padded.size());
        }
        CHECK(*bytes == expected);
        CHECK(*comm_d == naive_root(expected));

        Bytes32 tree_root{};
        REQUIRE(run_tree_d_stage(sector, path, path + ".tree", tree_root).status == DMC_OK);
        CHECK(tree_root == *comm_d);
    }
}

TEST_CASE("a staged CC sector is all zeros and has the zero CommD", "[sdr][piece]")
{
    TempDir dir("sdr-staged-cc");
    auto writer = StagedSectorWriter::create(dir / "cc", 2048);
    REQUIRE(writer.ok());
    auto comm_d = writer->finish();
    REQUIRE(comm_d.ok());
    CHECK(*comm_d == naive_root(std::vector<uint8_t>(2048, 0)));
    auto bytes = read_file(dir / "cc");
    REQUIRE(bytes.ok());
    CHECK(*bytes == std::vector<uint8_t>(2048, 0));

    CHECK_FALSE(StagedSectorWriter::create(dir / "bad", 1000).ok());
    auto w = StagedSectorWriter::create(dir / "w", 2048);
    REQUIRE(w.ok());
    CHECK_FALSE(w->add_piece(std::vector<uint8_t>(10), 100).ok());
    CHECK_FALSE(w->add_piece(std::vector<uint8_t>(300), 254).ok());
}
