// SPDX-License-Identifier: Apache-2.0
//
// The avx512 pc1 stage's plan (pc1_batch_plan.hpp) on engine times fixed
// here (the Zen 5 host's calibration), so that the choice is tested
// whatever this machine measures: which engine each thread runs and how
// many threads a call uses.
#include <catch2/catch.hpp>

#include "pc1_batch_plan.hpp"

using namespace dmc::avx512;

namespace {

// ns per node of the synthetic layer: SHA-NI groups of 1..3 chains, lanes.
EngineTimes zen5_times()
{
    EngineTimes t;
    t.sha_ni[1] = 557;
    t.sha_ni[2] = 686;
    t.sha_ni[3] = 976;
    t.lanes8 = 3157;
    t.lanes16 = 2999;
    return t;
}

std::vector<size_t> sizes(const std::vector<Pc1WorkerPlan> &plan)
{
    std::vector<size_t> out;
    for (const auto &w : plan) out.push_back(w.sectors.size());
    return out;
}

} // namespace

TEST_CASE("pc1 plan: 16 sectors on 2 threads stay in the 16 lanes of one thread", "[avx512][plan]")
{
    const auto plan = plan_pc1_workers(16, 2, zen5_times(), "");
    REQUIRE(plan.size() == 1);
    CHECK(plan[0].engine == Pc1Engine::lanes16);
    CHECK(plan[0].sectors.size() == 16);
    // 8 + 8 in SHA-NI groups is 3+3+2 = 2638 ns per node in cache, 12 % less
    // than the lanes' 2999 (18 % when they measure 3200): not enough for a
    // second thread.
    CHECK(predicted_node_ns(zen5_times(), Pc1Engine::sha_ni, 8) == Approx(2638));
    EngineTimes slow_lanes = zen5_times();
    slow_lanes.lanes16 = 3200;
    CHECK(plan_pc1_workers(16, 2, slow_lanes, "").size() == 1);
}

TEST_CASE("pc1 plan: a second thread that saves much is taken", "[avx512][plan]")
{
    // 8 sectors: one thread 3+3+2 in SHA-NI groups (2638 ns) against 4 + 4
    // on two threads (3+1: 1533 ns each), 42 % less.
    const auto eight = plan_pc1_workers(8, 2, zen5_times(), "");
    CHECK(sizes(eight) == std::vector<size_t>{4, 4});
    for (const auto &w : eight) CHECK(w.engine == Pc1Engine::sha_ni);
    // 12 sectors on 1 thread: the lanes (16 lanes, 12 used).
    const auto twelve = plan_pc1_workers(12, 1, zen5_times(), "");
    REQUIRE(twelve.size() == 1);
    CHECK(twelve[0].engine == Pc1Engine::lanes16);
    // Every sector is in exactly one worker, in order.
    const auto sixteen4 = plan_pc1_workers(16, 4, zen5_times(), "");
    uint32_t next = 0;
    for (const auto &w : sixteen4)
        for (uint32_t s : w.sectors) CHECK(s == next++);
    CHECK(next == 16);
    // A forced engine applies to every worker.
    for (const auto &w : plan_pc1_workers(16, 2, zen5_times(), "sha-ni")) CHECK(w.engine == Pc1Engine::sha_ni);
}
