// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run plugins list [--json]`: every plugin file found, with its
// name, version, path, stages (with the kernels of a kernel_bench stage) and
// `usable` or `skipped: <reason>`.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli_common.hpp"
#include "damocles/core/internal/cpu_features.hpp"

namespace dmc::cli {

namespace {

std::string stage_list(const core::PluginInfo &p)
{
    if (p.stages.empty()) return "-";
    std::string s;
    for (const auto &st : p.stages) {
        if (!s.empty()) s += ",";
        s += core::stage_kind_name(st.kind);
        s += "(p" + std::to_string(st.priority);
        if (st.max_sectors > 1) s += ",x" + std::to_string(st.max_sectors);
        s += ")";
    }
    return s;
}

// kernel_bench kernels, the names `damocles-run bench` asks for.
std::string kernel_list(const std::vector<std::string> &kernels)
{
    std::string s;
    for (const auto &k : kernels) s += (s.empty() ? "" : ",") + k;
    return s;
}

void list_plugins(bool as_json)
{
    const auto &reg = context().registry();
    if (as_json) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto &p : reg.plugins()) {
            nlohmann::json stages = nlohmann::json::array();
            for (const auto &st : p.stages) {
                nlohmann::json stage = {{"stage", core::stage_kind_name(st.kind)},
                                        {"priority", st.priority},
                                        {"interface", st.interface_version},
                                        {"max_sectors", st.max_sectors}};
                if (st.kind == DMC_STAGE_KERNEL_BENCH) stage["kernels"] = st.kernels;
                if (st.hints.sectors_per_thread) stage["sectors_per_thread"] = st.hints.sectors_per_thread;
                if (st.hints.memory_permille) stage["memory_permille"] = st.hints.memory_permille;
                stages.push_back(std::move(stage));
            }
            out.push_back({{"name", p.name},
                           {"version", p.version},
                           {"path", p.path},
                           {"usable", p.usable},
                           {"skip_reason", p.skip_reason},
                           {"required_cpu", core::cpu_feature_names(p.required_cpu)},
                           {"gpu", p.gpu_need == DMC_GPU_CUDA ? "cuda" : "none"},
                           {"stages", stages}});
        }
        std::printf("%s\n", out.dump(2).c_str());
        return;
    }
    if (reg.plugins().empty()) {
        std::printf("no plugins found (searched: ");
        for (size_t i = 0; i < reg.search_dirs().size(); ++i)
            std::printf("%s%s", i ? ", " : "", reg.search_dirs()[i].c_str());
        std::printf(")\n");
        return;
    }
    for (const auto &p : reg.plugins()) {
        std::printf("%-8s %-8s %s\n", p.name.empty() ? "?" : p.name.c_str(),
                    p.version.empty() ? "-" : p.version.c_str(), p.path.c_str());
        std::printf("         stages: %s\n", stage_list(p).c_str());
        for (const auto &st : p.stages)
            if (st.kind == DMC_STAGE_KERNEL_BENCH && !st.kernels.empty())
                std::printf("         kernels: %s\n", kernel_list(st.kernels).c_str());
        if (p.usable)
            std::printf("         usable\n");
        else
            std::printf("         skipped: %s\n", p.skip_reason.c_str());
    }
}

} // namespace

void register_plugins_commands(CLI::App &app)
{
    auto *plugins = app.add_subcommand("plugins", "Stage plugins found on this machine");
    plugins->require_subcommand(1);
    auto *list = plugins->add_subcommand("list", "List plugins: name, version, path, stages, usable/skipped");
    static bool as_json = false;
    list->add_flag("--json", as_json, "Machine-readable output");
    list->callback([] { list_plugins(as_json); });
}

} // namespace dmc::cli
