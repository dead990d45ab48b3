// SPDX-License-Identifier: Apache-2.0
//
// Text and Graphviz renderings of a rebuild DAG. The text form is one
// key=value line per vertex so that scripts can grep it; the Graphviz form is
// boost::write_graphviz with labelled boxes.
#include "damocles/core/internal/dag_format.hpp"

#include <cstdio>
#include <sstream>

#include <boost/graph/graphviz.hpp>

#include "damocles/sdk/proof.hpp"

namespace dmc::core {

namespace {

std::string needs_text(const ResourceNeeds &n)
{
    std::string s = "cores=" + std::to_string(n.cores) + " memory=" + format_bytes(n.memory_bytes) +
                    " gpu=" + std::to_string(n.gpu_slots) + " limit=" + (n.limit_key.empty() ? "-" : n.limit_key);
    if (n.numa_pinned) s += " numa=pinned";
    return s;
}

std::string sector_indexes(const VertexProps &p)
{
    std::string s;
    for (uint32_t i : p.sectors) s += (s.empty() ? "" : ",") + std::to_string(i);
    return s;
}

std::string proof_name(uint64_t id)
{
    auto p = find_seal_proof(id);
    return p ? (*p)->name : "proof#" + std::to_string(id);
}

std::string dot_escape(const std::string &s)
{
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

} // namespace

std::string format_bytes(uint64_t bytes)
{
    static const char *const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) return std::to_string(bytes) + "B";
    double v = static_cast<double>(bytes);
    int unit = 0;
    while (v >= 1024 && unit < 4) {
        v /= 1024;
        ++unit;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    std::string out = buf;
    if (out.size() > 2 && out.compare(out.size() - 2, 2, ".0") == 0) out.resize(out.size() - 2);
    return out + kUnits[unit];
}

std::string vertex_plugin_label(const VertexProps &props)
{
    if (!vertex_stage_kind(props.kind)) return "core";
    return props.plugin.empty() ? "-" : props.plugin;
}

std::string format_dag_text(const Dag &dag)
{
    std::ostringstream out;
    out << "sectors: " << dag.sectors.size() << "\n";
    for (size_t i = 0; i < dag.sectors.size(); ++i) {
        const auto &s = dag.sectors[i];
        out << "  " << i << " " << s.sector_id() << " proof=" << proof_name(s.proof_id) << " plan=" << plan_name(s.plan)
            << "\n";
    }
    out << "vertices: " << dag.vertex_count() << "\n";
    char line[256];
    for (auto [it, end] = boost::vertices(dag.graph); it != end; ++it) {
        const auto &p = dag[*it];
        std::snprintf(line, sizeof line, "  %3zu %-15s sectors=%-8s plugin=%-8s ", static_cast<size_t>(*it),
                      vertex_kind_name(p.kind), sector_indexes(p).c_str(), vertex_plugin_label(p).c_str());
        out << line << needs_text(p.needs) << "\n";
    }
    out << "edges: " << dag.edge_count() << "\n";
    for (auto [it, end] = boost::edges(dag.graph); it != end; ++it) {
        auto a = boost::source(*it, dag.graph), b = boost::target(*it, dag.graph);
        out << "  " << a << " -> " << b << "  (" << vertex_kind_name(dag[a].kind) << " -> "
            << vertex_kind_name(dag[b].kind) << ")\n";
    }
    return out.str();
}

std::string format_dag_dot(const Dag &dag)
{
    std::ostringstream out;
    auto vertex_writer = [&dag](std::ostream &os, VertexId v) {
        const auto &p = dag[v];
        std::string label = std::string(vertex_kind_name(p.kind)) + "\\n" + dot_escape(dag.sector_ids(v)) + "\\n" +
                            dot_escape(vertex_plugin_label(p)) + "\\n" + std::to_string(p.needs.cores) +
                            (p.needs.cores == 1 ? " core, " : " cores, ") + format_bytes(p.needs.memory_bytes);
        if (p.needs.gpu_slots) label += ", " + std::to_string(p.needs.gpu_slots) + " gpu";
        os << "[label=\"" << label << "\"" << (p.sectors.size() > 1 ? ", style=bold" : "") << "]";
    };
    auto graph_writer = [](std::ostream &os) { os << "rankdir=TB;\nnode [shape=box, fontname=\"monospace\"];\n"; };
    boost::write_graphviz(out, dag.graph, vertex_writer, boost::default_writer(), graph_writer);
    return out.str();
}

} // namespace dmc::core
