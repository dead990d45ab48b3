// SPDX-License-Identifier: Apache-2.0
//
// Shared state of the damocles-run command line: exit codes, the lazily
// discovered plugin registry, and helpers for "one clear line" errors.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "damocles/core/plugin_registry.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc::cli {

// Exit codes: 0 success, 1 the operation ran and failed (e.g. a sector does
// not verify), 2 bad input / usage (one line on stderr naming the problem).
constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

// Thrown by command callbacks to end the program with a code; main() prints
// the message (if any) as one line on stderr.
struct Exit {
    int code;
    std::string message;
};

[[noreturn]] inline void fail_usage(const std::string &msg) { throw Exit{kExitUsage, msg}; }
[[noreturn]] inline void fail(const std::string &msg) { throw Exit{kExitFailed, msg}; }

// Maps an sdk/core error to an exit: invalid input -> 2, otherwise 1.
[[noreturn]] void fail_with(const Error &e);

template <class T> T must(Result<T> r)
{
    if (!r) fail_with(r.error());
    return std::move(r).value();
}
inline void must(Status s)
{
    if (!s) fail_with(s.error());
}

class Context {
public:
    const core::PluginRegistry &registry();

private:
    std::unique_ptr<core::PluginRegistry> registry_;
};

Context &context();

// Registration of command groups (one file each).
void register_plugins_commands(CLI::App &app);
void register_bench_commands(CLI::App &app);
void register_manager_commands(CLI::App &app);
void register_seal_commands(CLI::App &app);
void register_util_commands(CLI::App &app);
void register_worker_commands(CLI::App &app);
void register_dag_commands(CLI::App &app);

} // namespace dmc::cli
