// SPDX-License-Identifier: Apache-2.0
//
// Commitment CIDs against go-fil-commcid and the devnet transcript (docs/algorithms.md §4).
#include <catch2/catch.hpp>

#include "damocles/sdk/cid.hpp"
#include "sdr_test_support.hpp"

using namespace dmc;
using namespace dmc::test;

TEST_CASE("commitment CIDs encode and decode like go-fil-commcid", "[sdr][cid]")
{
    const auto vectors = use_vectors_of_kind("sdr", "cid");
    REQUIRE(vectors.size() == 5);
    for (const json *vp : vectors) {
        const json &v = *vp;
        INFO(v.at("name").get<std::string>());
        const Bytes32 comm = bytes32_of(v.at("inputs").at("comm_hex"));
        const auto kind_text = v.at("inputs").at("kind").get<std::string>();
        const CommitmentKind kind =
            kind_text.rfind("sealed", 0) == 0 ? CommitmentKind::sealed : CommitmentKind::unsealed;
        const auto &e = v.at("expected");
        const std::string cid = e.at("cid_v1").get<std::string>();
        CHECK(commitment_to_cid(comm, kind) == cid);
        auto back = cid_to_commitment(cid, kind);
        REQUIRE(back.ok());
        CHECK(*back == comm);
        // The other kind must be refused (codec mismatch).
        CHECK_FALSE(
            cid_to_commitment(cid, kind == CommitmentKind::sealed ? CommitmentKind::unsealed : CommitmentKind::sealed)
                .ok());
        if (e.contains("cid_bytes_hex"))
            CHECK(to_hex(commitment_cid_bytes(comm, kind)) == e.at("cid_bytes_hex").get<std::string>());
        if (e.contains("piece_cid_v2")) {
            // The published sector sizes: 32GiB and 64GiB zero pieces, full (padding 0).
            const uint64_t padded = v.at("name") == "cid_empty_32GiB" ? (32ull << 30) : (64ull << 30);
            auto v2 = piece_cid_v2(comm, padded, padded / 128 * 127);
            REQUIRE(v2.ok());
            CHECK(*v2 == e.at("piece_cid_v2").get<std::string>());
            auto parsed = parse_piece_cid_v2(*v2);
            REQUIRE(parsed.ok());
            CHECK(parsed->comm_p == comm);
            CHECK(parsed->padded_size() == padded);
            CHECK(parsed->padding == 0);
        }
    }
}
