// SPDX-License-Identifier: Apache-2.0
#include "damocles/core/internal/queue_order.hpp"

#include <algorithm>

namespace dmc::core {

namespace {

uint32_t first_sector(const Dag &dag, VertexId v)
{
    const auto &sectors = dag[v].sectors;
    return sectors.empty() ? UINT32_MAX : *std::min_element(sectors.begin(), sectors.end());
}

} // namespace

std::vector<uint32_t> vertex_depths(const Dag &dag)
{
    std::vector<uint32_t> depth(dag.vertex_count(), 0);
    const std::vector<VertexId> order = topological_order(dag).value();
    for (VertexId v : order)
        for (VertexId p : dag.predecessors(v)) depth[v] = std::max(depth[v], depth[p] + 1);
    return depth;
}

bool goes_ahead(const Dag &dag, const std::vector<uint32_t> &depth, VertexId a, VertexId b)
{
    const uint32_t sector_a = first_sector(dag, a), sector_b = first_sector(dag, b);
    if (sector_a != sector_b) return sector_a < sector_b;
    return depth[a] > depth[b];
}

std::vector<size_t> arrange_run_slots(const Dag &dag, const std::vector<uint32_t> &depth,
                                      const std::vector<RunWaiting> &mine, const std::vector<uint64_t> &bound)
{
    std::vector<size_t> order;
    std::vector<bool> placed(mine.size(), false);
    for (size_t slot = 0; slot < mine.size(); ++slot) {
        size_t best = mine.size();
        for (size_t i = 0; i < mine.size(); ++i) {
            if (placed[i] || mine[i].arrival >= bound[slot]) continue;
            if (best == mine.size() || goes_ahead(dag, depth, mine[i].v, mine[best].v) ||
                (!goes_ahead(dag, depth, mine[best].v, mine[i].v) && mine[i].arrival < mine[best].arrival))
                best = i;
        }
        // The vertex that held this slot arrived before its bound, and so did
        // those of the slots before it (bounds grow towards the back): one of
        // them is always left.
        placed[best] = true;
        order.push_back(best);
    }
    return order;
}

bool successor_becomes_ready(const Dag &dag, VertexId v, const std::function<bool(VertexId)> &settled)
{
    for (VertexId u : dag.successors(v)) {
        const auto preds = dag.predecessors(u);
        if (std::all_of(preds.begin(), preds.end(), settled)) return true;
    }
    return false;
}

} // namespace dmc::core
