// SPDX-License-Identifier: Apache-2.0
//
// Miner id parsing and prover ids beyond the vectors.
#include <catch2/catch.hpp>

#include "damocles/sdk/ids.hpp"

using namespace dmc;

TEST_CASE("miner ids: bare, t0 and f0 forms are accepted", "[sdr][ids]")
{
    CHECK(*parse_miner_id("1001") == 1001);
    CHECK(*parse_miner_id("t01001") == 1001);
    CHECK(*parse_miner_id("f01001") == 1001);
    CHECK(*parse_miner_id("0") == 0);
    CHECK(*parse_miner_id("t00") == 0);
    CHECK(*parse_miner_id("18446744073709551615") == UINT64_MAX);
}

TEST_CASE("miner ids: other address kinds and malformed text are refused", "[sdr][ids]")
{
    for (const char *bad : {"", "t", "f", "t0", "t1abcdefghij", "f2abc", "t3abc", "f410fabc", "T01001", "01001",
                            "t001001", "x01001", "t01001x", " 1001", "1001 ", "-1", "18446744073709551616"}) {
        INFO("'" << bad << "'");
        auto r = parse_miner_id(bad);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().code == Errc::invalid_argument);
        CHECK_THAT(r.error().message, Catch::Contains("t01001"));
    }
    CHECK_THAT(parse_miner_id("t1abc").error().message, Catch::Contains("not an ID address"));
}

TEST_CASE("prover id of the largest actor id is its 10-byte LEB128", "[sdr][ids]")
{
    const Bytes32 id = prover_id_from_actor_id(UINT64_MAX);
    for (int i = 0; i < 9; ++i) CHECK(id[i] == 0xff);
    CHECK(id[9] == 0x01);
    for (int i = 10; i < 32; ++i) CHECK(id[i] == 0);
}
