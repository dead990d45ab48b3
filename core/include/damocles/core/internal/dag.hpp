// SPDX-License-Identifier: Apache-2.0
//
// The rebuild DAG (docs/architecture.md §4): a Boost.Graph whose vertices are stage
// invocations for one or more sectors and whose edges are data dependencies.
// It is plain data: dag_builder.hpp makes one, dag_format.hpp prints it and
// scheduler.hpp executes it. The rules (shapes, fusion, validation) are in the
// design note of core/dag/dag_builder.cpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "damocles/core/dag_types.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc::core {

// Tokens a vertex holds while it runs (scheduler.hpp). The estimates are made
// by dag_builder.hpp; callers may adjust them before scheduling.
struct ResourceNeeds {
    uint32_t cores = 1;
    uint64_t memory_bytes = 0;
    uint32_t gpu_slots = 0;
    std::string limit_key;    // concurrency limit key, "" = none
    bool numa_pinned = false; // placed on one NUMA node, CPU and memory bound there
};

struct VertexProps {
    VertexKind kind = VertexKind::add_pieces;
    std::vector<uint32_t> sectors; // indexes into Dag::sectors; > 1 only for a fused PC1
    ResourceNeeds needs;
    std::string plugin; // chosen plugin, "" = core-internal or none usable
    double weight = 0;  // per-sector progress weight
};

using DagGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS, VertexProps>;
using VertexId = DagGraph::vertex_descriptor;

// A batch: the sectors it serves and the graph over them.
struct Dag {
    std::vector<SectorSpec> sectors;
    DagGraph graph;

    size_t vertex_count() const { return boost::num_vertices(graph); }
    size_t edge_count() const { return boost::num_edges(graph); }
    const VertexProps &operator[](VertexId v) const { return graph[v]; }
    VertexProps &operator[](VertexId v) { return graph[v]; }

    VertexId add_vertex(VertexProps props) { return boost::add_vertex(std::move(props), graph); }
    void add_edge(VertexId from, VertexId to) { boost::add_edge(from, to, graph); }

    std::vector<VertexId> predecessors(VertexId v) const;
    std::vector<VertexId> successors(VertexId v) const;
    // The vertex of `kind` serving `sector` (fused vertices included).
    std::optional<VertexId> find(uint32_t sector, VertexKind kind) const;
    std::vector<VertexId> vertices_of_sector(uint32_t sector) const;
    // "s-t01001-1,s-t01001-2" for the vertex's sectors.
    std::string sector_ids(VertexId v) const;
};

// Topological order; a cycle is an error naming a vertex on it.
Result<std::vector<VertexId>> topological_order(const Dag &dag);
// Known kinds, sector indexes in range, no duplicate sector in a vertex, no
// self-loop, acyclic. Every error names the vertex.
Status validate(const Dag &dag);

} // namespace dmc::core
