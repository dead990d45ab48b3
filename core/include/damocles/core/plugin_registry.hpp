// SPDX-License-Identifier: Apache-2.0
//
// Plugin discovery, validation and per-stage selection. The rules are in the
// design note at the top of core/loader/plugin_registry.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "damocles/plugin.h"
#include "damocles/sdk/result.hpp"

namespace dmc::core {

// "tree_d", "pc1", ... (the config/CLI names of stage kinds).
const char *stage_kind_name(uint32_t kind);
std::optional<dmc_stage_kind> stage_kind_from_name(const std::string &name);

class LoadedPlugin;

// A stage's ABI 1.2 batch hints (0 = not given; dmc_stage_desc in plugin.h).
struct StageBatchHints {
    uint32_t sectors_per_thread = 0;
    uint32_t memory_permille = 0;
};

struct PluginStageInfo {
    dmc_stage_kind kind{};
    uint32_t interface_version = 0;
    int32_t priority = 0;
    uint32_t flags = 0;
    uint32_t max_sectors = 1;
    StageBatchHints hints;
    std::vector<std::string> kernels; // kernel_bench only: the kernels it can time
};

struct PluginInfo {
    std::string path;
    std::string name; // empty when the descriptor could not be read
    std::string version;
    std::string description;
    uint64_t required_cpu = 0;
    uint32_t gpu_need = DMC_GPU_NONE;
    std::vector<PluginStageInfo> stages;
    bool usable = false;
    std::string skip_reason; // set when !usable
};

// A selected stage implementation. Holding it keeps the shared object loaded.
class StageHandle {
public:
    StageHandle() = default;
    StageHandle(std::shared_ptr<const LoadedPlugin> plugin, const dmc_stage_desc *desc);

    explicit operator bool() const { return desc_ != nullptr; }
    const std::string &plugin_name() const;
    const dmc_stage_desc &desc() const { return *desc_; }
    uint32_t max_sectors() const;
    StageBatchHints batch_hints() const;
    template <class Ops> const Ops *ops() const { return static_cast<const Ops *>(desc_->ops); }

private:
    std::shared_ptr<const LoadedPlugin> plugin_;
    const dmc_stage_desc *desc_ = nullptr;
};

struct DiscoveryOptions {
    bool use_env = true;                 // DAMOCLES_PLUGIN_PATH
    bool use_build_tree = true;          // <build>/plugins/* when running from the build tree
    bool use_install_dir = true;         // <libdir>/damocles/plugins
    std::vector<std::string> extra_dirs; // searched first (tests, embedders)
};

class PluginRegistry {
public:
    static PluginRegistry discover(const DiscoveryOptions &opts = {});

    const std::vector<PluginInfo> &plugins() const { return infos_; }
    const std::vector<std::string> &search_dirs() const { return dirs_; }
    const std::vector<std::string> &warnings() const { return warnings_; }

    // Highest-priority usable implementation of `kind`, or the named plugin
    // when `override_plugin` is non-empty (error if it is absent/unusable or
    // does not offer the stage).
    Result<StageHandle> select(dmc_stage_kind kind, const std::string &override_plugin = "") const;
    // Selection with a [plugins] table (stage name -> plugin name).
    Result<StageHandle> select(dmc_stage_kind kind, const std::map<std::string, std::string> &overrides) const;
    // Every usable implementation of `kind` (cross-plugin identity tests).
    std::vector<StageHandle> all(dmc_stage_kind kind) const;

private:
    std::vector<PluginInfo> infos_;
    std::vector<std::shared_ptr<const LoadedPlugin>> loaded_; // parallel to usable infos
    std::vector<std::string> dirs_;
    std::vector<std::string> warnings_;
};

} // namespace dmc::core
