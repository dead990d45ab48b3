// SPDX-License-Identifier: Apache-2.0
//
// The importers' piece rule (service/importers/sector_pieces.hpp): whatever a
// source lists (fillers or not), the record holds the data pieces at the
// alignment rule's offsets, checked against the CommD the source recorded.
// Expected CommDs and CIDs come from the vectors (comm_d_two_pieces_2kib,
// zero_comm_d_2KiB), independent of the code under test.
#include <catch2/catch.hpp>

#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/piece.hpp"
#include "damocles/sdk/proof.hpp"
#include "service/importers/sector_pieces.hpp"
#include "vectors.hpp"

using namespace dmc;
using namespace dmc::service::importers;

namespace {

std::string unsealed_cid(const std::string &hex)
{
    return commitment_to_cid(bytes32_from_hex(hex).value(), CommitmentKind::unsealed);
}

const SealProof &proof_2kib() { return *find_seal_proof("StackedDrg2KiBV1_1").value(); }

struct TwoPieces {
    std::string a, b, comm_d;
};

// Piece A (128 bytes padded) and B (1024) of the vector, and their CommD.
TwoPieces two_pieces()
{
    const auto &v = dmc::test::use_vector("sdr", "comm_d_two_pieces_2kib");
    return {unsealed_cid(v.at("inputs").at("piece_a").at("comm_p_hex")),
            unsealed_cid(v.at("inputs").at("piece_b").at("comm_p_hex")),
            unsealed_cid(v.at("expected").at("comm_d_hex"))};
}

SourcePiece filler(uint64_t size) { return {zero_piece_cid(size), size, std::nullopt, true}; }

} // namespace

TEST_CASE("pieces: a CC sector's fillers leave no piece, and its CommD is the vector's", "[service][importers]")
{
    const auto &v = dmc::test::use_vector("sdr", "zero_comm_d_2KiB");
    const std::string cc = v.at("expected").at("cid");
    CHECK(cc_comm_d(proof_2kib()) == cc);
    const std::vector<SourcePiece> lotus_cc = {filler(2048)};
    auto pieces = record_pieces(proof_2kib(), lotus_cc, cc);
    REQUIRE(pieces.ok());
    CHECK(pieces->empty());
    auto none = record_pieces(proof_2kib(), {}, cc);
    REQUIRE(none.ok());
    CHECK(none->empty());
}

TEST_CASE("pieces: data pieces alone (curio) or with lotus' fillers give the same record", "[service][importers]")
{
    const TwoPieces v = two_pieces();
    const std::vector<SourcePiece> data_only = {{v.a, 128, 11, false}, {v.b, 1024, std::nullopt, false}};
    const std::vector<SourcePiece> with_fillers = {
        {v.a, 128, 11, false}, filler(128), filler(256), filler(512), {v.b, 1024, std::nullopt, false}};
    auto from_data = record_pieces(proof_2kib(), data_only, v.comm_d);
    auto from_lotus = record_pieces(proof_2kib(), with_fillers, v.comm_d);
    REQUIRE(from_data.ok());
    REQUIRE(from_lotus.ok());
    REQUIRE(from_data->size() == 2);
    CHECK(*from_data == *from_lotus);
    // The vector's layout: A at 0, B after 896 zero bytes, at 1024.
    CHECK((*from_data)[0].cid == v.a);
    CHECK((*from_data)[0].offset == 0);
    CHECK((*from_data)[0].deal_id == 11u);
    CHECK((*from_data)[1].cid == v.b);
    CHECK((*from_data)[1].offset == 1024);
    CHECK_FALSE((*from_data)[1].deal_id);
}

TEST_CASE("pieces: a source's filler that moves a piece is kept with its offset", "[service][importers]")
{
    const TwoPieces v = two_pieces();
    // A filler of 1024 first puts B at 1024 too, but A would then follow it:
    // the rule alone would place the data pieces elsewhere, so the fillers stay.
    const std::vector<SourcePiece> listed = {filler(1024), {v.b, 1024, 5, false}};
    auto comm_d = listed_comm_d(proof_2kib(), listed);
    REQUIRE(comm_d.ok());
    auto pieces = record_pieces(proof_2kib(), listed, *comm_d);
    REQUIRE(pieces.ok());
    REQUIRE(pieces->size() == 2);
    CHECK((*pieces)[0].cid == zero_piece_cid(1024));
    CHECK_FALSE((*pieces)[0].deal_id);
    CHECK((*pieces)[1].offset == 1024);
    CHECK((*pieces)[1].deal_id == 5u);
}

TEST_CASE("pieces: pieces that do not give the recorded CommD are refused with both values", "[service][importers]")
{
    const TwoPieces v = two_pieces();
    const std::vector<SourcePiece> only_a = {{v.a, 128, 11, false}};
    auto pieces = record_pieces(proof_2kib(), only_a, v.comm_d);
    REQUIRE_FALSE(pieces.ok());
    CHECK(pieces.error().message.find(v.comm_d) != std::string::npos);
    CHECK(pieces.error().message.find("give CommD baga") != std::string::npos);

    const std::vector<SourcePiece> bad_size = {{v.a, 100, 11, false}};
    auto bad = record_pieces(proof_2kib(), bad_size, v.comm_d);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("size 100") != std::string::npos);

    const std::vector<SourcePiece> too_big = {{v.b, 1024, 1, false}, {v.b, 1024, 2, false}, {v.a, 128, 3, false}};
    auto overflow = record_pieces(proof_2kib(), too_big, v.comm_d);
    REQUIRE_FALSE(overflow.ok());
    CHECK(overflow.error().message.find("do not fit") != std::string::npos);
}
