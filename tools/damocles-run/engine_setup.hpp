// SPDX-License-Identifier: Apache-2.0
//
// Command-line options shared by every command that runs the engine (seal,
// util verify, bench): parent cache dir, plugin choices, resource budget.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "damocles/core/engine.hpp"

namespace dmc::cli {

struct EngineCliOptions {
    std::string parent_cache;         // --parent-cache
    std::vector<std::string> plugins; // --plugin stage=name
    std::vector<std::string> limits;  // --limit key=N ([processors.limitation.concurrent])
    uint32_t cores = 0;               // --cores
    uint64_t memory_mib = 0;          // --memory-mib
};

void add_engine_options(CLI::App *cmd, EngineCliOptions &o);
// Fails the command with a usage error on a malformed option.
core::EngineOptions engine_options(const EngineCliOptions &o);

} // namespace dmc::cli
