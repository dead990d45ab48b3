// SPDX-License-Identifier: Apache-2.0
//
// damocles-run: one executable for the framework's utilities, the manager
// and the worker. Invoked as damocles-manager or damocles-worker (symlinks),
// it behaves as `damocles-run manager ...` / `damocles-run worker ...` so the
// damocles command lines work verbatim.
#include <cstdio>
#include <cstdlib>
#include <string>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "cli_common.hpp"
#include "damocles/plugin.h"
#include "damocles/version.h"

namespace dmc::cli {

void fail_with(const Error &e)
{
    int code = (e.code == Errc::invalid_argument || e.code == Errc::not_found) ? kExitUsage : kExitFailed;
    throw Exit{code, e.message};
}

const core::PluginRegistry &Context::registry()
{
    if (!registry_) registry_ = std::make_unique<core::PluginRegistry>(core::PluginRegistry::discover());
    return *registry_;
}

Context &context()
{
    static Context ctx;
    return ctx;
}

namespace {

void setup_logging()
{
    auto logger = spdlog::stderr_color_mt("damocles");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    std::string level = "info";
    if (const char *env = std::getenv("DAMOCLES_LOG"); env && *env) level = env;
    auto lvl = spdlog::level::from_str(level);
    // from_str maps unknown names to "off"; only accept real names.
    if (lvl == spdlog::level::off && level != "off") {
        std::fprintf(stderr, "DAMOCLES_LOG=%s is not a log level (trace, debug, info, warn, error, off); using info\n",
                     level.c_str());
        lvl = spdlog::level::info;
    }
    spdlog::set_level(lvl);
}

std::string version_text()
{
    return std::string("damocles-run ") + DMC_VERSION + " (plugin ABI " + std::to_string(DMC_PLUGIN_ABI_MAJOR) + "." +
           std::to_string(DMC_PLUGIN_ABI_MINOR) + ")";
}

std::string basename_of(const char *argv0)
{
    std::string s = argv0 ? argv0 : "damocles-run";
    auto slash = s.rfind('/');
    return slash == std::string::npos ? s : s.substr(slash + 1);
}

} // namespace
} // namespace dmc::cli

int main(int argc, char **argv)
{
    using namespace dmc::cli;
    setup_logging();

    // argv[0] aliasing: damocles-manager X == damocles-run manager X.
    std::string self = basename_of(argv[0]);
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
    std::string program = "damocles-run";
    if (!args.empty() && args.front() == "--version") {
        std::printf("%s\n", version_text().c_str());
        return kExitOk;
    }
    if (self == "damocles-manager" || self == "damocles-worker") {
        program = self;
        args.insert(args.begin(), self == "damocles-manager" ? "manager" : "worker");
    }

    CLI::App app{"damocles-run: plugin-based Filecoin sealing framework; rebuilds lost sectors bit for bit", program};
    app.set_version_flag("--version", version_text());
    app.require_subcommand(1);
    app.fallthrough(false);

    register_plugins_commands(app);
    register_seal_commands(app);
    register_util_commands(app);
    register_manager_commands(app);
    register_worker_commands(app);
    register_dag_commands(app);
    register_bench_commands(app);

    // CLI11 wants argv in reverse order for the vector overload.
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp &e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion &e) {
        return app.exit(e);
    } catch (const CLI::ParseError &e) {
        std::fprintf(stderr, "%s: %s (see --help)\n", program.c_str(), e.what());
        return kExitUsage;
    } catch (const Exit &e) {
        if (!e.message.empty()) std::fprintf(stderr, "%s\n", e.message.c_str());
        return e.code;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return kExitFailed;
    }
    return kExitOk;
}
