// SPDX-License-Identifier: Apache-2.0
//
// Printing rebuild DAGs for humans (`damocles-run dag show`): a text listing
// and Graphviz through boost::write_graphviz.
#pragma once

#include <cstdint>
#include <string>

#include "damocles/core/internal/dag.hpp"

namespace dmc::core {

// "1.5GiB", "64MiB", "2KiB", "512B".
std::string format_bytes(uint64_t bytes);

// Plugin column of a vertex: the plugin name, "core" for core-internal
// vertices, "-" when no usable plugin offers the stage.
std::string vertex_plugin_label(const VertexProps &props);

// Header with the sectors, one line per vertex (id, kind, sectors, plugin,
// needs), then one line per edge ("3 -> 4").
std::string format_dag_text(const Dag &dag);

// Graphviz digraph; vertex labels carry kind, sectors, plugin and needs.
std::string format_dag_dot(const Dag &dag);

} // namespace dmc::core
