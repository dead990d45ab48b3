// SPDX-License-Identifier: Apache-2.0
//
// p_aux / t_aux: round trips through bytes and files, and strict rejection of
// truncated, padded or malformed input.
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "damocles/sdk/aux_files.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "field_test_support.hpp"

using dmc::Fr;

namespace {

std::string temp_dir()
{
    std::string pattern = (std::filesystem::temp_directory_path() / "dmc-aux-XXXXXX").string();
    REQUIRE(mkdtemp(pattern.data()) != nullptr);
    return pattern;
}

// A hand-written bincode encoding of one StoreConfig (independent of the serializer).
std::vector<uint8_t> bincode_config(const std::string &path, const std::string &id, uint64_t size, uint64_t rows)
{
    std::vector<uint8_t> out;
    const auto u64 = [&](uint64_t v) {
        for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
    };
    u64(path.size());
    out.insert(out.end(), path.begin(), path.end());
    u64(id.size());
    out.insert(out.end(), id.begin(), id.end());
    out.push_back(1);
    u64(size);
    u64(rows);
    return out;
}

} // namespace

TEST_CASE("t_aux serialization matches a hand-written bincode encoding", "[field][aux]")
{
    auto t_aux = dmc::make_t_aux("/x", 2, 512, {8, 0, 0}, 1);
    REQUIRE(t_aux.ok());
    std::vector<uint8_t> expected = {2, 0, 0, 0, 0, 0, 0, 0};
    for (const auto &part : {bincode_config("/x", "layer-1", 512, 0), bincode_config("/x", "layer-2", 512, 0),
                             bincode_config("/x", "tree-d", 1023, 0), bincode_config("/x", "tree-r-last", 585, 1),
                             bincode_config("/x", "tree-c", 585, 0)})
        expected.insert(expected.end(), part.begin(), part.end());
    CHECK(dmc::serialize_t_aux(*t_aux) == expected);
    auto parsed = dmc::parse_t_aux(expected);
    REQUIRE(parsed.ok());
    CHECK(*parsed == *t_aux);

    CHECK_FALSE(dmc::make_t_aux("/x", 2, 512, {8, 0, 0}, 3).ok());  // would discard the root too
    CHECK_FALSE(dmc::make_t_aux("/x", 2, 1000, {8, 0, 0}, 1).ok()); // not a power of 8
    auto compound = dmc::make_t_aux("/x", 11, 16 * 512, {8, 8, 2}, 2);
    REQUIRE(compound.ok());
    CHECK(*compound->tree_c.size == 585); // one base tree, not the compound tree
    CHECK(*compound->tree_d.size == 2 * 16 * 512 - 1);
}

TEST_CASE("t_aux parsing is strict", "[field][aux]")
{
    auto t_aux = dmc::make_t_aux("/cache/s-t01000-1", 11, 1ull << 30, {8, 8, 0}, 2);
    REQUIRE(t_aux.ok());
    const auto bytes = dmc::serialize_t_aux(*t_aux);
    // Every strict prefix is truncated.
    for (size_t n = 0; n < bytes.size(); ++n) {
        auto parsed = dmc::parse_t_aux(std::span(bytes).first(n));
        REQUIRE_FALSE(parsed.ok());
        REQUIRE(parsed.error().code == dmc::Errc::corrupt);
    }
    auto padded = bytes;
    padded.push_back(0);
    CHECK_FALSE(dmc::parse_t_aux(padded).ok());

    // Option tag 2 in the first label config (after count, path, id).
    auto bad_tag = bytes;
    const size_t tag_at = 8 + 8 + t_aux->labels[0].path.size() + 8 + t_aux->labels[0].id.size();
    REQUIRE(bad_tag[tag_at] == 1);
    bad_tag[tag_at] = 2;
    CHECK_FALSE(dmc::parse_t_aux(bad_tag).ok());

    // None is valid bincode (no size follows).
    dmc::TAux with_none = *t_aux;
    with_none.tree_d.size.reset();
    auto none_parsed = dmc::parse_t_aux(dmc::serialize_t_aux(with_none));
    REQUIRE(none_parsed.ok());
    CHECK_FALSE(none_parsed->tree_d.size.has_value());

    auto huge_count = bytes;
    huge_count[7] = 0x7f;
    CHECK_FALSE(dmc::parse_t_aux(huge_count).ok());
    auto huge_length = bytes;
    huge_length[8 + 6] = 0x01; // path length of the first config
    CHECK_FALSE(dmc::parse_t_aux(huge_length).ok());
    auto bad_utf8 = bytes;
    bad_utf8[16] = 0xc0; // first byte of the first path: an overlong lead byte
    CHECK_FALSE(dmc::parse_t_aux(bad_utf8).ok());
}

TEST_CASE("p_aux and t_aux files round trip in a cache directory", "[field][aux]")
{
    std::mt19937_64 rng(0x5eed0401);
    const std::string dir = temp_dir();
    const dmc::PAux p_aux{dmc::test::random_fr(rng), dmc::test::random_fr(rng)};
    REQUIRE(dmc::write_p_aux(dir, p_aux).ok());
    auto read_back = dmc::read_p_aux(dir);
    REQUIRE(read_back.ok());
    CHECK(read_back->comm_c == p_aux.comm_c);
    CHECK(read_back->comm_r_last == p_aux.comm_r_last);
    auto raw = dmc::read_file(dir + "/p_aux");
    REQUIRE(raw.ok());
    const dmc::Bytes32 comm_c_bytes = p_aux.comm_c.to_bytes();
    REQUIRE(raw->size() == 64);
    CHECK(std::equal(comm_c_bytes.begin(), comm_c_bytes.end(), raw->begin()));

    auto t_aux = dmc::make_t_aux(dir, 2, 1ull << 18, {8, 0, 0}, 2);
    REQUIRE(t_aux.ok());
    REQUIRE(dmc::write_t_aux(dir, *t_aux).ok());
    auto t_back = dmc::read_t_aux(dir);
    REQUIRE(t_back.ok());
    CHECK(*t_back == *t_aux);

    // Corrupt files are refused with the path in the message.
    REQUIRE(dmc::write_file_atomic(dir + "/p_aux", std::vector<uint8_t>(63, 0)).ok());
    auto short_p = dmc::read_p_aux(dir);
    REQUIRE_FALSE(short_p.ok());
    CHECK(short_p.error().message.find(dir) != std::string::npos);
    std::vector<uint8_t> over(64, 0xff);
    CHECK_FALSE(dmc::parse_p_aux(over).ok());
    CHECK_FALSE(dmc::read_t_aux(dir + "/missing").ok());
    std::filesystem::remove_all(dir);
}
