// SPDX-License-Identifier: Apache-2.0
//
// Building rebuild DAGs: the per-sector shapes of docs/architecture.md §4, batches
// of sectors, the PC1 fusion rewrite and the resource estimates. Design note:
// core/dag/dag_builder.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "damocles/core/internal/dag.hpp"
#include "damocles/core/plugin_registry.hpp"
#include "damocles/plugin.h"
#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc::core {

class PluginRegistry;

// The plugin picked for a stage kind. An empty plugin name means no usable
// plugin offers the stage (yet): the DAG is still built, require_plugins()
// turns that into an error for a real run.
struct StageChoice {
    std::string plugin;
    uint32_t max_sectors = 1; // > 1: the plugin runs several sectors per PC1 call
    bool gpu = false;         // the plugin needs a GPU slot
    StageBatchHints hints;    // how a multi-sector call uses cores and memory
};
using StageChooser = std::function<StageChoice(dmc_stage_kind)>;

// Chooser backed by the plugin registry's selection ([plugins] overrides as in
// PluginRegistry::select). A stage that cannot be selected gives an empty
// choice instead of failing (the reason is logged at debug level). The
// registry must outlive the chooser.
StageChooser registry_stage_chooser(const PluginRegistry &registry, std::map<std::string, std::string> overrides = {});

// Vertex kinds of one sector's plan in chain order (tree_c before tree_r_last).
std::vector<VertexKind> plan_vertex_kinds(Plan plan);

// Resource estimate for a vertex of `kind` serving `sectors` sectors of
// `proof` (formulas in core/dag/dag_builder.cpp). `gpu`: the chosen plugin
// runs on a GPU.
// `hints`: the chosen plugin's batch hints (pc1 only).
ResourceNeeds estimate_needs(VertexKind kind, const SealProof &proof, uint32_t sectors, bool gpu,
                             const StageBatchHints &hints = {});

// Progress weight of a vertex: a cost model in nanoseconds per node on
// today's CPUs (SHA-256 compressions for tree_d/PC1, Poseidon Fr
// multiplications for the trees, ~50x cheaper on a GPU), so that percent
// and ETA follow where the time really goes (PC2 dominates a CPU-only
// 2-layer sector, PC1 an 11-layer one).
double estimate_weight(VertexKind kind, const SealProof &proof, bool gpu);

struct DagBuildOptions {
    StageChooser chooser; // empty: no plugin names, no fusion, CPU estimates
    bool fuse_pc1 = true; // fuse when the pc1 choice has max_sectors > 1
};

// One graph for the whole batch (sector i of the DAG = specs[i]). An empty
// batch or an unknown proof id is invalid_argument.
Result<Dag> build_batch_dag(const std::vector<SectorSpec> &specs, const DagBuildOptions &opts = {});

// Rewrite: PC1 vertices with the same proof type are fused, in batch order,
// into vertices of at most `max_sectors` sectors, keeping every in- and
// out-edge. max_sectors <= 1 leaves the graph as it is. Fails (graph
// unchanged) if fusing would create a cycle.
Status fuse_pc1(Dag &dag, uint32_t max_sectors, const StageBatchHints &hints = {});

// Error naming every stage of the DAG for which no plugin was chosen.
Status require_plugins(const Dag &dag);

} // namespace dmc::core
