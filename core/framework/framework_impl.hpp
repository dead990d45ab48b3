// SPDX-License-Identifier: Apache-2.0
//
// Private state of dmc::Framework, shared by framework.cpp (open, plugins,
// verify) and framework_seal.cpp (seal, rebuild).
#pragma once

#include <atomic>

#include "damocles/core/engine.hpp"
#include "damocles/core/framework.hpp"
#include "damocles/core/plugin_registry.hpp"

namespace dmc {

struct Framework::Impl {
    FrameworkOptions options;
    core::PluginRegistry registry;
    std::unique_ptr<core::Engine> engine;
    core::CancelFlag cancel{0};
};

// Progress adapter from the engine's session callback.
core::SessionOptions session_options(Framework::Impl &impl, const ProgressCallback &progress);

} // namespace dmc
