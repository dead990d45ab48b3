// SPDX-License-Identifier: Apache-2.0
//
// Token counting: budget defaults, all-or-nothing shortages, clamping of
// needs larger than the machine, and which waiting vertices may be overtaken.
#include <catch2/catch.hpp>

#include "damocles/core/internal/resource_pool.hpp"
#include "damocles/core/internal/topology.hpp"

using namespace dmc::core;

namespace {
constexpr uint64_t MiB = 1ull << 20;

ResourceNeeds needs(uint32_t cores, uint64_t memory, uint32_t gpu = 0, std::string key = "")
{
    ResourceNeeds n;
    n.cores = cores;
    n.memory_bytes = memory;
    n.gpu_slots = gpu;
    n.limit_key = std::move(key);
    return n;
}
} // namespace

TEST_CASE("budgets resolve their defaults and refuse a zero limit", "[sched]")
{
    auto topo = Topology::from_synthetic("pack:1 numa:2 core:3 pu:2");
    REQUIRE(topo.ok());
    ResourceBudget b;
    b.gpu_slots = 0;
    auto r = resolve_budget(b, topo->get());
    REQUIRE(r.ok());
    CHECK(r->cores == 12);
    CHECK(r->memory_bytes == default_memory_budget());
    CHECK(r->gpu_slots == 0);
    CHECK(r->concurrency.empty());

    b.cores = 5;
    b.memory_bytes = 100 * MiB;
    b.gpu_slots = 2;
    b.concurrency = {{"pc1", 3}, {"pc2", 1}};
    r = resolve_budget(b, nullptr);
    REQUIRE(r.ok());
    CHECK(r->cores == 5);
    CHECK(r->memory_bytes == 100 * MiB);
    CHECK(r->gpu_slots == 2);
    CHECK(r->concurrency.at("pc1") == 3);

    b.concurrency["tree_d"] = 0;
    auto bad = resolve_budget(b, nullptr);
    REQUIRE_FALSE(bad.ok());
    CHECK_THAT(bad.error().message, Catch::Contains("tree_d = 0"));
}

TEST_CASE("tokens are granted all at once and returned", "[sched]")
{
    ResourcePool pool({8, 1000 * MiB, 1, {{"pc1", 1}}});
    auto pc1 = needs(3, 600 * MiB, 0, "pc1");
    CHECK(pool.shortage(pc1).empty());
    pool.acquire(pc1);
    CHECK(pool.cores_used() == 3);
    CHECK(pool.key_used("pc1") == 1);

    auto second = pool.shortage(pc1);
    CHECK(second.memory);
    CHECK(second.keys == std::set<std::string>{"pc1"});
    CHECK_FALSE(second.cores);

    auto gpu = needs(1, 100 * MiB, 1, "pc2");
    CHECK(pool.shortage(gpu).empty()); // pc2 has no limit
    pool.acquire(gpu);
    CHECK(pool.shortage(needs(1, MiB, 1)).gpu);

    pool.release(pc1);
    pool.release(gpu);
    CHECK(pool.cores_used() == 0);
    CHECK(pool.memory_used() == 0);
    CHECK(pool.gpu_used() == 0);
    CHECK(pool.key_used("pc1") == 0);
    CHECK(pool.shortage(pc1).empty());
}

TEST_CASE("needs larger than the budget are clamped so the vertex can run alone", "[sched]")
{
    ResourcePool pool({4, 1000 * MiB, 0, {}});
    std::string why;
    auto big = pool.clamp(needs(16, 4000 * MiB, 1), &why);
    CHECK(big.cores == 4);
    CHECK(big.memory_bytes == 1000 * MiB);
    CHECK(big.gpu_slots == 0);
    // Cores are a wish (threads it could use), clamped without a word.
    CHECK_THAT(why, !Catch::Contains("cores"));
    CHECK_THAT(why, Catch::Contains("memory budget"));
    CHECK(pool.shortage(big).empty());
    pool.acquire(big);
    CHECK(pool.shortage(needs(1, MiB)).cores); // nothing else fits beside it

    std::string none;
    auto small = pool.clamp(needs(1, MiB), &none);
    CHECK(none.empty());
    CHECK(small.cores == 1);
}

TEST_CASE("a shortage blocks only vertices taking the same kind of token", "[sched]")
{
    Shortage s;
    CHECK(s.empty());
    s.keys.insert("pc1");
    CHECK(s.touches(needs(1, MiB, 0, "pc1")));
    CHECK_FALSE(s.touches(needs(1, MiB, 0, "tree_d")));
    Shortage mem;
    mem.memory = true;
    s.merge(mem);
    CHECK(s.touches(needs(1, MiB, 0, "tree_d")));
    CHECK_FALSE(s.touches(needs(1, 0, 0, "tree_d")));
}
