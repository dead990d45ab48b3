// SPDX-License-Identifier: Apache-2.0
//
// lotus' unsealed sector file (docs/file-formats.md §1.1): the RLE+ codec
// against go-bitfield's reference encoding and the hand-derived encoding of
// one full run, the trailer layout, what read_unsealed_layout accepts and
// refuses, and the data CommD against the CommD of the staged pieces.
#include <catch2/catch.hpp>

#include <filesystem>
#include <random>

#include "damocles/sdk/file.hpp"
#include "damocles/sdk/rle_plus.hpp"
#include "damocles/sdk/staged_sector.hpp"
#include "damocles/sdk/unsealed_file.hpp"
#include "process.hpp"

using namespace dmc;
using namespace dmc::test;
namespace fs = std::filesystem;

namespace {

std::vector<BitRun> runs_of_set(const std::vector<uint64_t> &bits)
{
    std::vector<BitRun> runs;
    uint64_t next = 0;
    for (uint64_t b : bits) {
        if (b > next) runs.push_back({false, b - next});
        if (!runs.empty() && runs.back().value && b == next)
            runs.back().length += 1;
        else
            runs.push_back({true, 1});
        next = b + 1;
    }
    return runs;
}

std::string tail_hex(const std::string &path, uint64_t from)
{
    std::string bytes = slurp(path);
    REQUIRE(bytes.size() >= from);
    return to_hex(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(bytes.data()) + from, bytes.size() - from));
}

} // namespace

TEST_CASE("RLE+ encodes go-bitfield's reference bitfield byte for byte", "[sdr][unsealed]")
{
    // The set {0, 2, 4, 5, 6, 11..27}: go-bitfield's reference encoding with
    // its version header is 7c 47 22 02 (docs/file-formats.md §1.1).
    std::vector<uint64_t> bits = {0, 2, 4, 5, 6};
    for (uint64_t b = 11; b <= 27; ++b) bits.push_back(b);
    const auto runs = runs_of_set(bits);
    const auto enc = rle_plus_encode(runs);
    CHECK(to_hex(enc) == "7c472202");
    auto dec = rle_plus_decode(enc);
    REQUIRE(dec.ok());
    CHECK(*dec == runs);
}

TEST_CASE("RLE+ of one full run and the empty bitfield", "[sdr][unsealed]")
{
    // version 00, first value 1, "00" + varint(2048) = 80 10, packed LSB first.
    const BitRun full{true, 2048};
    CHECK(to_hex(rle_plus_encode(std::span<const BitRun>(&full, 1))) == "041002");
    CHECK(rle_plus_encode({}).empty());
    // A trailing zero run is not written; equal neighbours are merged.
    const std::vector<BitRun> messy = {{true, 1000}, {true, 1048}, {false, 0}, {false, 77}};
    CHECK(rle_plus_encode(messy) == rle_plus_encode(std::span<const BitRun>(&full, 1)));
    auto none = rle_plus_decode({});
    REQUIRE(none.ok());
    CHECK(none->empty());
    // Short runs use the 4-bit form.
    const std::vector<BitRun> shorts = {{false, 3}, {true, 15}, {false, 1}, {true, 2}};
    auto back = rle_plus_decode(rle_plus_encode(shorts));
    REQUIRE(back.ok());
    CHECK(*back == shorts);
}

TEST_CASE("RLE+ refuses a wrong version, a trailing zero byte and an endless varint", "[sdr][unsealed]")
{
    const std::vector<uint8_t> version1 = {0x01};
    CHECK(rle_plus_decode(version1).error().code == Errc::corrupt);
    const std::vector<uint8_t> padded = {0x04, 0x10, 0x02, 0x00};
    CHECK_THAT(rle_plus_decode(padded).error().message, Catch::Contains("minimally"));
    std::vector<uint8_t> endless = {0x04};
    for (int i = 0; i < 12; ++i) endless.push_back(0xff);
    CHECK(rle_plus_decode(endless).error().code == Errc::corrupt);
}

TEST_CASE("an unsealed file is the staged data, the full-run trailer and its length", "[sdr][unsealed]")
{
    TempDir dir("unsealed-file");
    const uint64_t sector = 2048;
    std::mt19937_64 rng(7);
    std::vector<uint8_t> payload(900);
    for (auto &b : payload) b = static_cast<uint8_t>(rng());
    auto writer = StagedSectorWriter::create(dir / "staged", sector);
    REQUIRE(writer.ok());
    REQUIRE(writer->add_piece(payload, 1016).ok());
    auto comm_d = writer->finish();
    REQUIRE(comm_d.ok());

    REQUIRE(write_unsealed_file(dir / "staged", dir / "unsealed", sector).ok());
    CHECK(fs::file_size(dir / "unsealed") == sector + 3 + 4);
    CHECK(slurp(dir / "unsealed").substr(0, sector) == slurp(dir / "staged"));
    CHECK(tail_hex(dir / "unsealed", sector) == "04100203000000");
    auto layout = read_unsealed_layout(dir / "unsealed", sector);
    REQUIRE(layout.ok());
    CHECK(layout->has_trailer);
    CHECK(layout->allocated_bytes() == sector);
    // The data region's CommD is the CommD of the staged pieces.
    auto data_comm_d = unsealed_data_comm_d(dir / "unsealed", sector);
    REQUIRE(data_comm_d.ok());
    CHECK(*data_comm_d == *comm_d);

    // A file of exactly the sector size is fully allocated (lotus' rule).
    fs::copy_file(dir / "staged", dir / "bare");
    auto bare = read_unsealed_layout(dir / "bare", sector);
    REQUIRE(bare.ok());
    CHECK_FALSE(bare->has_trailer);
    CHECK(bare->allocated_bytes() == sector);
}

TEST_CASE("an unsealed file of a wrong length or with a broken trailer is refused", "[sdr][unsealed]")
{
    TempDir dir("unsealed-bad");
    const uint64_t sector = 2048;
    write_text(dir / "short", std::string(2000, '\0'));
    CHECK_THAT(read_unsealed_layout(dir / "short", sector).error().message,
               Catch::Contains("less than the sector size"));
    std::string data(sector, '\0');
    write_text(dir / "len", data + std::string("\x04\x10\x02\x09\x00\x00\x00", 7));
    CHECK_THAT(read_unsealed_layout(dir / "len", sector).error().message, Catch::Contains("inconsistent length"));
    write_text(dir / "rle", data + std::string("\x05\x10\x02\x03\x00\x00\x00", 7));
    CHECK(read_unsealed_layout(dir / "rle", sector).error().code == Errc::corrupt);
    // Allocated beyond the sector: a run of 4096.
    write_text(dir / "beyond", data + std::string("\x04\x10\x04\x03\x00\x00\x00", 7));
    CHECK_THAT(read_unsealed_layout(dir / "beyond", sector).error().message, Catch::Contains("beyond the sector"));
}
