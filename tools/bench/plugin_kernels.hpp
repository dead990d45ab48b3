// SPDX-License-Identifier: Apache-2.0
//
// A plugin's kernel measurements for the benchmarks, reached through its
// kernel_bench stage (ABI 1.1, docs/plugin-guide.md "Kernel measurements")
// as the registry loaded and checked it: never through a plugin's private
// symbols. A plugin without the stage (an older build, a third-party
// plugin) simply has no kernels to offer.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "damocles/core/plugin_registry.hpp"

namespace dmc::cli::bench {

class PluginKernels {
public:
    // The kernel_bench stage of the usable plugin `plugin`, if it has one.
    static std::optional<PluginKernels> of(const core::PluginRegistry &registry, const std::string &plugin);

    const std::string &plugin_name() const { return stage_.plugin_name(); }
    bool has(const std::string &kernel) const;
    // ns per unit over `work` units; nullopt when the kernel is absent or
    // does not offer these params. Any other failure ends the bench (fail()).
    std::optional<double> ns_per_op(const std::string &kernel, uint64_t work,
                                    std::array<uint64_t, 4> params = {}) const;
    // The kernel's one-line text (e.g. pc1_plan), nullopt as above.
    std::optional<std::string> text(const std::string &kernel, std::array<uint64_t, 4> params) const;

private:
    explicit PluginKernels(core::StageHandle stage) : stage_(std::move(stage)) {}
    bool call(const std::string &kernel, uint64_t work, const std::array<uint64_t, 4> &params, double &ns,
              std::string *text) const;

    core::StageHandle stage_;
};

} // namespace dmc::cli::bench
