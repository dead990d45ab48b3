// SPDX-License-Identifier: Apache-2.0
//
// Small helpers shared by the orchestration tests: proof ids by name, the
// edge list of a DAG as (kind, kind, sector) triples, and a scoped
// environment variable (HWLOC_SYNTHETIC).
#pragma once

#include <catch2/catch.hpp>

#include <cstdlib>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "damocles/core/internal/dag.hpp"
#include "damocles/sdk/proof.hpp"

namespace dmc::test {

inline uint64_t proof_id(const char *name)
{
    auto p = dmc::find_seal_proof(name);
    REQUIRE(p.ok());
    return (*p)->id;
}

// A vertex made by hand (GCC 12 warns falsely on nested aggregate temporaries).
inline core::VertexProps vertex(core::VertexKind kind, std::vector<uint32_t> sectors)
{
    core::VertexProps p;
    p.kind = kind;
    p.sectors = std::move(sectors);
    p.weight = 1;
    return p;
}

// (from kind, to kind, first sector of `from`) for every edge.
inline std::set<std::tuple<core::VertexKind, core::VertexKind, uint32_t>> kind_edges(const core::Dag &dag)
{
    std::set<std::tuple<core::VertexKind, core::VertexKind, uint32_t>> out;
    for (auto [it, end] = boost::edges(dag.graph); it != end; ++it) {
        auto a = boost::source(*it, dag.graph), b = boost::target(*it, dag.graph);
        out.insert({dag[a].kind, dag[b].kind, dag[a].sectors.front()});
    }
    return out;
}

class ScopedEnv {
public:
    ScopedEnv(const char *name, const char *value) : name_(name)
    {
        if (const char *old = std::getenv(name)) old_ = old, had_ = true;
        if (value)
            ::setenv(name, value, 1);
        else
            ::unsetenv(name);
    }
    ~ScopedEnv()
    {
        if (had_)
            ::setenv(name_.c_str(), old_.c_str(), 1);
        else
            ::unsetenv(name_.c_str());
    }
    ScopedEnv(const ScopedEnv &) = delete;
    ScopedEnv &operator=(const ScopedEnv &) = delete;

private:
    std::string name_, old_;
    bool had_ = false;
};

} // namespace dmc::test
