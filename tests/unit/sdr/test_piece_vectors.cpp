// SPDX-License-Identifier: Apache-2.0
//
// Zero commitments, CommP, piece alignment and CommD from pieces against the
// vectors (docs/algorithms.md §3.2–§3.4).
#include <catch2/catch.hpp>

#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/comm_d.hpp"
#include "damocles/sdk/comm_p.hpp"
#include "damocles/sdk/sha254.hpp"
#include "damocles/sdk/staged_sector.hpp"
#include "sdr_test_support.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

std::vector<uint8_t> commp_data(const std::string &name)
{
    // commp_127_each_0_1_2_3: 127 bytes each of 0, 1, 2, 3; the second vector
    // appends 508 zero bytes.
    std::vector<uint8_t> raw;
    for (uint8_t b = 0; b < 4; ++b) raw.insert(raw.end(), 127, b);
    if (name == "commp_127_each_0_1_2_3_then_508_zeros") raw.insert(raw.end(), 508, 0);
    return raw;
}

} // namespace

TEST_CASE("zero commitments match the go-commp-utils table and the sector CC CommDs", "[sdr][piece]")
{
    const auto &table = use_vector("sdr", "zero_commitments_table").at("expected").at("levels");
    REQUIRE(table.size() == 37);
    for (const auto &level : table) {
        const unsigned h = level.at("tree_height").get<unsigned>();
        INFO("height " << h);
        CHECK(to_hex(zero_comm(h)) == level.at("comm_hex").get<std::string>());
        auto z = zero_piece_commitment(as_u64(level.at("padded_size")));
        REQUIRE(z.ok());
        CHECK(to_hex(*z) == level.at("comm_hex").get<std::string>());
        if (level.contains("cid"))
            CHECK(commitment_to_cid(zero_comm(h), CommitmentKind::unsealed) == level.at("cid").get<std::string>());
    }
    for (const char *name :
         {"zero_comm_d_2KiB", "zero_comm_d_8MiB", "zero_comm_d_512MiB", "zero_comm_d_32GiB", "zero_comm_d_64GiB"}) {
        const auto &v = use_vector("sdr", name);
        INFO(name);
        const uint64_t sector = as_u64(v.at("inputs").at("sector_size"));
        auto comm_d = compute_comm_d(sector, {});
        REQUIRE(comm_d.ok());
        CHECK(to_hex(*comm_d) == v.at("expected").at("comm_d_hex").get<std::string>());
        CHECK(to_hex(zero_comm(v.at("inputs").at("tree_height").get<unsigned>())) ==
              v.at("expected").at("comm_d_hex").get<std::string>());
        CHECK(commitment_to_cid(*comm_d, CommitmentKind::unsealed) == v.at("expected").at("cid").get<std::string>());
    }
}

TEST_CASE("CommD of empty piece lists matches comm_d_empty_*", "[sdr][piece]")
{
    for (const char *name : {"comm_d_empty_2048", "comm_d_empty_128"}) {
        const auto &v = use_vector("sdr", name);
        INFO(name);
        REQUIRE(v.at("inputs").at("pieces").empty());
        auto comm_d = compute_comm_d(as_u64(v.at("inputs").at("sector_size")), {});
        REQUIRE(comm_d.ok());
        CHECK(to_hex(*comm_d) == v.at("expected").at("comm_d_hex").get<std::string>());
    }
}

TEST_CASE("CommP of the go-fil-commcid pieces, streamed and from a file", "[sdr][piece]")
{
    TempDir dir("sdr-commp");
    for (const char *name : {"commp_127_each_0_1_2_3", "commp_127_each_0_1_2_3_then_508_zeros"}) {
        const auto &v = use_vector("sdr", name);
        INFO(name);
        const auto raw = commp_data(name);
        REQUIRE(raw.size() == v.at("inputs").at("raw_len").get<size_t>());
        const auto &e = v.at("expected");
        auto info = compute_comm_p(raw);
        REQUIRE(info.ok());
        CHECK(to_hex(info->comm) == e.at("comm_p_hex").get<std::string>());
        CHECK(info->padded_size == as_u64(e.at("padded_size")));
        CHECK(commitment_to_cid(info->comm, CommitmentKind::unsealed) == e.at("piece_cid_v1").get<std::string>());
        auto v2 = piece_cid_v2(info->comm, info->padded_size, raw.size());
        REQUIRE(v2.ok());
        CHECK(*v2 == e.at("piece_cid_v2").get<std::string>());
        auto parsed = parse_piece_cid_v2(e.at("piece_cid_v2").get<std::string>());
        REQUIRE(parsed.ok());
        CHECK(parsed->comm_p == info->comm);
        CHECK(parsed->padded_size() == info->padded_size);
        CHECK(parsed->payload_size() == raw.size());

        const std::string path = dir / (std::string(name) + ".bin");
        REQUIRE(write_file_atomic(path, raw).ok());
        auto from_file = compute_comm_p_file(path);
        REQUIRE(from_file.ok());
        CHECK(to_hex(from_file->comm) == e.at("comm_p_hex").get<std::string>());
    }
}

TEST_CASE("piece alignment matches the upstream tables", "[sdr][piece]")
{
    const auto &t = use_vector("sdr", "piece_alignment_table");
    const auto &rows = t.at("inputs").at("rows_written_unpadded_piece_unpadded");
    const auto &expected = t.at("expected").at("left_right_unpadded");
    REQUIRE(rows.size() == expected.size());
    for (size_t i = 0; i < rows.size(); ++i) {
        const auto a = get_piece_alignment(as_u64(rows[i][0]), as_u64(rows[i][1]));
        INFO("row " << i);
        CHECK(a.left_bytes == as_u64(expected[i][0]));
        CHECK(a.right_bytes == as_u64(expected[i][1]));
    }
    const auto &s = use_vector("sdr", "piece_start_byte");
    const auto &sizes = s.at("inputs").at("piece_sizes_unpadded");
    const auto &starts = s.at("expected").at("start_bytes_unpadded");
    std::vector<uint64_t> previous;
    for (size_t i = 0; i < sizes.size(); ++i) {
        CHECK(get_piece_start_byte(previous, as_u64(sizes[i])) == as_u64(starts[i]));
        previous.push_back(as_u64(sizes[i]));
    }
}

TEST_CASE("CommD of the padded-pieces list matches comm_d_padded_pieces_4096", "[sdr][piece]")
{
    const auto &v = use_vector("sdr", "comm_d_padded_pieces_4096");
    std::vector<PieceInfo> pieces;
    for (const auto &p : v.at("inputs").at("pieces"))
        pieces.push_back({bytes32_of(p.at("comm_hex")), as_u64(p.at("padded_size"))});
    auto comm_d = compute_comm_d(as_u64(v.at("inputs").at("sector_size")), pieces);
    REQUIRE(comm_d.ok());
    CHECK(to_hex(*comm_d) == v.at("expected").at("comm_d_hex").get<std::string>());
}

TEST_CASE("two pieces in a 2KiB sector: CommP, staged bytes, CommD, tree_d (comm_d_two_pieces_2kib)", "[sdr][piece]")
{
    const auto &v = use_vector("sdr", "comm_d_two_pieces_2kib");
    const auto &in = v.at("inputs");
    const std::vector<uint8_t> a(127, 0x01), b(1016, 0x02);
    REQUIRE(in.at("piece_a").at("raw_rule") == "127 bytes of 0x01");
    REQUIRE(in.at("piece_b").at("raw_rule") == "1016 bytes of 0x02");

    TempDir dir("sdr-two-pieces");
    const std::string staged = dir / "staged";
    auto writer = StagedSectorWriter::create(staged, as_u64(in.at("sector_size")));
    REQUIRE(writer.ok());
    auto pa = writer->add_piece(a, 127);
    REQUIRE(pa.ok());
    CHECK(to_hex(pa->comm) == in.at("piece_a").at("comm_p_hex").get<std::string>());
    auto pb = writer->add_piece(b, 1016);
    REQUIRE(pb.ok());
    CHECK(to_hex(pb->comm) == in.at("piece_b").at("comm_p_hex").get<std::string>());
    auto comm_d = writer->finish();
    REQUIRE(comm_d.ok());
    CHECK(to_hex(*comm_d) == v.at("expected").at("comm_d_hex").get<std::string>());
    CHECK(sha256_file_hex(staged) == v.at("expected").at("sector_sha256").get<std::string>());

    Bytes32 tree_root{};
    auto r = run_tree_d_stage(2048, staged, dir / "tree-d", tree_root);
    REQUIRE(r.status == DMC_OK);
    CHECK(to_hex(tree_root) == v.at("expected").at("comm_d_hex").get<std::string>());
}
