// SPDX-License-Identifier: Apache-2.0
//
// choose_numa_node on made-up loads of 1-, 2- and 4-node machines, and the
// hwloc topology those loads come from (synthetic machines, HWLOC_SYNTHETIC).
#include <catch2/catch.hpp>

#include <map>
#include <thread>

#include "damocles/core/internal/placement.hpp"
#include "damocles/core/internal/topology.hpp"
#include "orchestration_helpers.hpp"

using namespace dmc::core;

namespace {
constexpr uint64_t GiB = 1ull << 30;
}

TEST_CASE("one node: used when the vertex fits, -1 when it does not", "[placement]")
{
    std::vector<NodeLoad> one = {{64 * GiB, 0, 0, 16}};
    CHECK(choose_numa_node(one, 60 * GiB) == 0);
    CHECK(choose_numa_node(one, 65 * GiB) == -1);
    one[0].memory_used = 10 * GiB;
    one[0].running = 3;
    CHECK(choose_numa_node(one, 54 * GiB) == 0);
    CHECK(choose_numa_node(one, 55 * GiB) == -1);
    // Unknown node memory: anything fits.
    CHECK(choose_numa_node({{0, 0, 5, 0}}, 1000 * GiB) == 0);
    CHECK(choose_numa_node({}, 1) == -1);
}

TEST_CASE("two nodes: least loaded wins, ties go to the lower index", "[placement]")
{
    std::vector<NodeLoad> two = {{64 * GiB, 0, 0, 8}, {64 * GiB, 0, 0, 8}};
    CHECK(choose_numa_node(two, GiB) == 0);
    two[0].running = 1;
    two[0].memory_used = 20 * GiB;
    CHECK(choose_numa_node(two, GiB) == 1);
    two[1].running = 1;
    two[1].memory_used = 30 * GiB;
    CHECK(choose_numa_node(two, GiB) == 0); // same running count: less memory used
    two[1].memory_used = 20 * GiB;
    CHECK(choose_numa_node(two, GiB) == 0); // full tie: lower index
    // The less loaded node lacks memory: the busier one that fits is chosen.
    std::vector<NodeLoad> skewed = {{64 * GiB, 10 * GiB, 3, 8}, {64 * GiB, 60 * GiB, 0, 8}};
    CHECK(choose_numa_node(skewed, 8 * GiB) == 0);
    CHECK(choose_numa_node(skewed, 4 * GiB) == 1);
    CHECK(choose_numa_node(skewed, 60 * GiB) == -1);
}

TEST_CASE("four nodes: load is running vertices per core", "[placement]")
{
    std::vector<NodeLoad> four = {{32 * GiB, 0, 2, 4}, {32 * GiB, 0, 2, 4}, {32 * GiB, 0, 2, 8}, {32 * GiB, 0, 2, 4}};
    CHECK(choose_numa_node(four, GiB) == 2); // 2/8 beats 2/4
    four[2].running = 4;
    CHECK(choose_numa_node(four, GiB) == 0); // 4/8 == 2/4: tie on load and memory -> lowest index
    four[0].memory_used = 31 * GiB;
    CHECK(choose_numa_node(four, 2 * GiB) == 1);

    // Placing eight equal vertices one after the other spreads them 2-2-2-2.
    std::vector<NodeLoad> empty(4, NodeLoad{32 * GiB, 0, 0, 8});
    std::map<int, int> count;
    for (int i = 0; i < 8; ++i) {
        int n = choose_numa_node(empty, 3 * GiB);
        REQUIRE(n >= 0);
        empty[n].running += 1;
        empty[n].memory_used += 3 * GiB;
        count[n] += 1;
    }
    CHECK(count == std::map<int, int>{{0, 2}, {1, 2}, {2, 2}, {3, 2}});
    // Memory runs out before cores: 10 GiB vertices, 32 GiB nodes -> 3 per node, then none.
    std::vector<NodeLoad> mem(4, NodeLoad{32 * GiB, 0, 0, 64});
    int placed = 0;
    while (true) {
        int n = choose_numa_node(mem, 10 * GiB);
        if (n < 0) break;
        mem[n].running += 1;
        mem[n].memory_used += 10 * GiB;
        ++placed;
    }
    CHECK(placed == 12);
}

TEST_CASE("synthetic hwloc topologies give their NUMA nodes", "[placement]")
{
    auto topo = Topology::from_synthetic("pack:1 numa:2 core:2 pu:1");
    REQUIRE(topo.ok());
    const auto &nodes = (*topo)->numa_nodes();
    REQUIRE(nodes.size() == 2);
    for (uint32_t i = 0; i < 2; ++i) {
        CHECK(nodes[i].index == i);
        CHECK(nodes[i].os_index == static_cast<int>(i));
        CHECK(nodes[i].cores == 2);
        CHECK(nodes[i].pus == 2);
    }
    CHECK(nodes[0].cpuset == "0-1");
    CHECK(nodes[1].cpuset == "2-3");
    CHECK((*topo)->pu_count() == 4);
    CHECK_FALSE((*topo)->is_this_system());
    CHECK_THAT((*topo)->describe(), Catch::Contains("2 NUMA nodes"));
    // Binding to a machine that is not this one is refused, not attempted.
    auto st = (*topo)->bind_current_thread(1);
    REQUIRE_FALSE(st.ok());
    CHECK(st.error().code == dmc::Errc::unsupported);
    CHECK((*topo)->bind_current_thread(2).error().code == dmc::Errc::invalid_argument);

    auto four = Topology::from_synthetic("pack:2 numa:2 core:3 pu:2");
    REQUIRE(four.ok());
    CHECK((*four)->numa_nodes().size() == 4);
    CHECK((*four)->numa_nodes()[3].pus == 6);

    CHECK_FALSE(Topology::from_synthetic("this is not hwloc").ok());
}

TEST_CASE("Topology::load honours HWLOC_SYNTHETIC", "[placement]")
{
    {
        dmc::test::ScopedEnv env("HWLOC_SYNTHETIC", "pack:1 numa:4 core:1 pu:1");
        auto topo = Topology::load();
        REQUIRE(topo.ok());
        CHECK((*topo)->numa_nodes().size() == 4);
        CHECK_THAT((*topo)->describe(), Catch::Contains("synthetic"));
    }
    dmc::test::ScopedEnv none("HWLOC_SYNTHETIC", nullptr);
    auto native = Topology::load();
    REQUIRE(native.ok());
    CHECK((*native)->numa_nodes().size() >= 1);
    CHECK((*native)->pu_count() >= 1);
    CHECK((*native)->is_this_system());
    CHECK(default_memory_budget() > 0);
}

TEST_CASE("binding a thread to a node of this machine works or is refused cleanly", "[placement]")
{
    dmc::test::ScopedEnv none("HWLOC_SYNTHETIC", nullptr);
    auto native = Topology::load();
    REQUIRE(native.ok());
    dmc::Status st;
    // A thread of its own: the binding (CPU set and memory policy) dies with it.
    std::thread t([&] { st = (*native)->bind_current_thread(0); });
    t.join();
    if (!st.ok()) {
        CHECK(st.error().code == dmc::Errc::unsupported);
        CHECK_THAT(st.error().message, Catch::Contains("refused"));
    }
}
