// SPDX-License-Identifier: Apache-2.0
//
// cheapest_mix (tools/bench/engine_mix.hpp): the least time for a set of
// plain and repeated SHA-256 compressions from measured configurations,
// checked against optima worked out by hand here.
#include <catch2/catch.hpp>

#include "engine_mix.hpp"

using namespace dmc::cli::bench;

namespace {

// 16 lanes + 4 SHA-NI streams, plain: 20 compressions per call at 9.03 ns each.
EngineCall plain_mix() { return {"plain20", 20 * 9.03, 20, 0}; }
// 16 lanes replaying + 5 SHA-NI streams expanding their own: 16 repeated
// and 5 plain compressions per call at 7.17 ns each.
EngineCall lanes_replay_mix() { return {"replay16+plain5", 21 * 7.17, 5, 16}; }

} // namespace

TEST_CASE("engine mix: a label's 7 plain and 13 repeated blocks use both configurations", "[bench]")
{
    // Both constraints tight: 20a + 5b = 7 and 20a + 21b = 20, so b = 13/16
    // and a = (7 - 5·13/16)/20.
    const double b = 13.0 / 16.0, a = (7.0 - 5.0 * b) / 20.0;
    const auto mix = cheapest_mix({plain_mix(), lanes_replay_mix()}, 7, 13);
    REQUIRE(mix);
    CHECK(mix->ns == Approx(a * 20 * 9.03 + b * 21 * 7.17));
    // Less than pricing the 13 repeats at the blended rate and the 7 again as plain.
    CHECK(mix->ns < 7 * 9.03 + 13 * 7.17);
    CHECK(mix->basis == "plain20*0.1469,replay16+plain5*0.8125");
}

TEST_CASE("engine mix: one configuration when it covers both kinds", "[bench]")
{
    // Only plain blocks: the replaying configuration's 5 plain per call cost
    // 150.57 ns / 5 each, dearer than 9.03: the plain one alone.
    auto mix = cheapest_mix({plain_mix(), lanes_replay_mix()}, 20, 0);
    REQUIRE(mix);
    CHECK(mix->ns == Approx(20 * 9.03));
    CHECK(mix->basis == "plain20*1");
    // Only repeated blocks: the replaying configuration alone, 20/21 of a call.
    mix = cheapest_mix({plain_mix(), lanes_replay_mix()}, 0, 20);
    REQUIRE(mix);
    CHECK(mix->ns == Approx(20.0 / 21.0 * 21 * 7.17));
}

TEST_CASE("engine mix: plain blocks need an engine that expands schedules", "[bench]")
{
    const EngineCall all_replay{"replay21", 21 * 7.0, 0, 21};
    CHECK_FALSE(cheapest_mix({all_replay}, 7, 13));
    // A replay-only engine does the repeats, a plain one the rest.
    const auto mix = cheapest_mix({all_replay, plain_mix()}, 7, 13);
    REQUIRE(mix);
    CHECK(mix->ns == Approx(7 * 9.03 + 13 * 7.0));
    CHECK_FALSE(cheapest_mix({}, 1, 1));
}
