// SPDX-License-Identifier: Apache-2.0
//
// The PC1 turn an overlap thread and its companion share
// (service/worker/pc1_turn.hpp): one holder at a time, handed over on
// release, and a waiter that gives up when its thread stops or pauses.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "service/worker/pc1_turn.hpp"

using namespace dmc::service;
using namespace std::chrono_literals;

TEST_CASE("pc1 turn: one holder at a time; a release hands it to the waiting thread", "[service][overlap]")
{
    Pc1Turn turn;
    auto never = [] { return false; };
    REQUIRE(turn.acquire(0, never));
    CHECK(turn.holder() == 0u);
    CHECK(turn.acquire(0, never)); // the holder asking again keeps it
    CHECK_FALSE(turn.release(1));  // not the holder: nothing happens
    CHECK(turn.holder() == 0u);

    std::atomic<bool> taken{false};
    std::thread other([&] {
        REQUIRE(turn.acquire(1, never, 5ms));
        taken = true;
    });
    std::this_thread::sleep_for(100ms);
    CHECK_FALSE(taken.load()); // still waiting for thread 0
    CHECK(turn.release(0));
    other.join();
    CHECK(taken.load());
    CHECK(turn.holder() == 1u);
    CHECK_FALSE(turn.release(0));
    CHECK(turn.release(1));
    CHECK_FALSE(turn.holder().has_value());
}

TEST_CASE("pc1 turn: a waiter gives up when its thread stops, and never takes the turn", "[service][overlap]")
{
    Pc1Turn turn;
    REQUIRE(turn.acquire(0, [] { return false; }));
    std::atomic<bool> stop{false};
    std::atomic<int> result{-1};
    std::thread waiter([&] {
        result = turn.acquire(
                     1, [&] { return stop.load(); }, 1000ms)
                     ? 1
                     : 0;
    });
    std::this_thread::sleep_for(50ms);
    CHECK(result.load() == -1);
    stop = true;
    turn.wake(); // woken at once, not after the 1 s poll
    const auto start = std::chrono::steady_clock::now();
    waiter.join();
    CHECK(std::chrono::steady_clock::now() - start < 900ms);
    CHECK(result.load() == 0);
    CHECK(turn.holder() == 0u);
}
