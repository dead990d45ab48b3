// SPDX-License-Identifier: Apache-2.0
#include "engine_setup.hpp"

#include "cli_common.hpp"

namespace dmc::cli {

namespace {

std::pair<std::string, std::string> split_kv(const std::string &s, const char *what)
{
    auto eq = s.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == s.size())
        fail_usage(std::string("invalid ") + what + " '" + s + "' (want key=value)");
    return {s.substr(0, eq), s.substr(eq + 1)};
}

} // namespace

void add_engine_options(CLI::App *cmd, EngineCliOptions &o)
{
    cmd->add_option("--parent-cache", o.parent_cache,
                    "Parent cache directory (default $FIL_PROOFS_PARENT_CACHE or /var/tmp/filecoin-parents)");
    cmd->add_option("--plugin", o.plugins, "Use this plugin for a stage: stage=name (repeatable)");
    cmd->add_option("--limit", o.limits, "Concurrency limit per stage: pc1=1 (repeatable)");
    cmd->add_option("--cores", o.cores, "Cores the scheduler may use (default: all)");
    cmd->add_option("--memory-mib", o.memory_mib, "Memory budget in MiB (default: 80% of RAM)");
}

core::EngineOptions engine_options(const EngineCliOptions &o)
{
    core::EngineOptions e;
    e.parent_cache_dir = o.parent_cache;
    for (const auto &p : o.plugins) {
        auto [stage, plugin] = split_kv(p, "--plugin");
        if (!core::stage_kind_from_name(stage)) fail_usage("unknown stage '" + stage + "' in --plugin " + p);
        e.plugin_overrides[stage] = plugin;
    }
    for (const auto &l : o.limits) {
        auto [key, value] = split_kv(l, "--limit");
        if (value.find_first_not_of("0123456789") != std::string::npos || value == "0")
            fail_usage("invalid --limit " + l + " (want key=N with N >= 1)");
        e.budget.concurrency[key] = static_cast<uint32_t>(std::stoul(value));
    }
    e.budget.cores = o.cores;
    e.budget.memory_bytes = o.memory_mib << 20;
    return e;
}

} // namespace dmc::cli
