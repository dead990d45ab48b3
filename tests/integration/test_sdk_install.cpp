// SPDX-License-Identifier: Apache-2.0
//
// The SDK as a third party sees it: `meson install` into a temporary prefix,
// then the two examples (examples/third-party-plugin, examples/embed) built
// as standalone meson projects against that prefix only (pkg-config), run:
// the installed damocles-run picks the plugin up from DAMOCLES_PLUGIN_PATH
// and its tree_d is byte-identical to the cpu plugin's; the embedding
// program seals and verifies the devnet sector through dmc::Framework.
#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>
#include <set>

#include "process.hpp"

using namespace dmc::test;
namespace fs = std::filesystem;

namespace {

std::string find_pkgconfig_dir(const std::string &root)
{
    for (const auto &e : fs::recursive_directory_iterator(root))
        if (e.is_directory() && e.path().filename() == "pkgconfig") return e.path().string();
    return {};
}

RunResult must_run(const std::vector<std::string> &argv, const RunOptions &opts = {})
{
    auto r = run(argv, opts);
    INFO("command: " << argv[0] << " " << (argv.size() > 1 ? argv[1] : "") << "\n" << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return r;
}

} // namespace

TEST_CASE("sdk: install, build the examples against the prefix only, run them", "[sdk]")
{
    TempDir dir("sdk-install");
    const std::string dest = dir / "dest";
    must_run({"/usr/bin/env", "meson", "install", "-C", DMC_BUILD_ROOT, "--destdir", dest, "--no-rebuild", "--quiet"});
    const std::string pc = find_pkgconfig_dir(dest);
    REQUIRE_FALSE(pc.empty());
    const std::string libdir = fs::path(pc).parent_path().string();
    const std::string bin = fs::path(libdir).parent_path().parent_path().string() + "/bin";
    REQUIRE(fs::exists(bin + "/damocles-run"));
    REQUIRE(fs::is_symlink(bin + "/damocles-manager"));
    REQUIRE(fs::exists(libdir + "/damocles/plugins/dmc-plugin-cpu.so"));

    // Only the prefix: no build tree, no source tree includes.
    RunOptions env;
    env.env["PKG_CONFIG_PATH"] = pc;
    // meson test points LD_LIBRARY_PATH at the build tree; the installed
    // binaries must use their own libraries (RUNPATH), as after a real install.
    env.env["LD_LIBRARY_PATH"] = "";
    env.env["DAMOCLES_LOG"] = "warn";
    auto modversion = must_run({"/usr/bin/env", "pkg-config", "--modversion", "damocles-core"}, env);
    CHECK(modversion.out.find("0.") == 0);
    for (const char *example : {"third-party-plugin", "embed"}) {
        const std::string src = std::string(DMC_SOURCE_ROOT) + "/examples/" + example;
        const std::string build = dir / (std::string("build-") + example);
        must_run({"/usr/bin/env", "meson", "setup", build, src, "--wrap-mode=nofallback"}, env);
        must_run({"/usr/bin/env", "ninja", "-C", build}, env);
    }

    // The installed damocles-run lists the third-party plugin.
    RunOptions with_plugin = env;
    with_plugin.env["DAMOCLES_PLUGIN_PATH"] = dir / "build-third-party-plugin";
    auto list = must_run({bin + "/damocles-run", "plugins", "list"}, with_plugin);
    CHECK(list.out.find("example-tree-d 1.0.0") != std::string::npos);
    CHECK(list.out.find("tree_d(p-5)") != std::string::npos);
    CHECK(list.out.find(libdir + "/damocles/plugins/dmc-plugin-cpu.so") != std::string::npos);
    auto version = must_run({bin + "/damocles-run", "--version"}, env);
    CHECK(version.out.find("(plugin ABI 1.2)") != std::string::npos);

    // Cross-plugin identity of the third-party tree_d (2KiB: one block; 8MiB:
    // the levels above its 2^12-leaf blocks too).
    for (const char *proof : {"StackedDrg2KiBV1_1", "StackedDrg8MiBV1_1"}) {
        std::map<std::string, std::string> tree_d;
        for (const char *plugin : {"cpu", "example-tree-d"}) {
            const std::string out = dir / (std::string("seal-") + proof + "-" + plugin);
            must_run({bin + "/damocles-run", "seal", "--proof", proof, "--miner", "1000", "--sector", "1", "--ticket",
                      "0606060606060606060606060606060606060606060606060606060606060606", "--out", out, "--work",
                      out + "/work", "--keep-intermediate", "--parent-cache", dir / "parents", "--plugin",
                      std::string("tree_d=") + plugin},
                     with_plugin);
            tree_d[plugin] = slurp(out + "/work/s-t01000-1/cache/sc-02-data-tree-d.dat");
        }
        CHECK_FALSE(tree_d["cpu"].empty());
        CHECK(tree_d["cpu"] == tree_d["example-tree-d"]);
    }

    // The embedding program, linked against the installed libraries.
    RunOptions embed = env;
    embed.env["LD_LIBRARY_PATH"] = libdir;
    auto e = must_run({dir / "build-embed/dmc-embed-example", dir / "embed-store", dir / "parents"}, embed);
    CHECK(e.out.find("sealed s-t01002-1 comm_r bagboea4b5abcbnym7z3pgc64fk5wwsk3nsmz62jamgaa3pekzelmm3fv5q6g6zji") !=
          std::string::npos);
    CHECK(e.out.find("valid: tree-r-last, p_aux and comm_r match") != std::string::npos);
    CHECK(e.out.find("progress s-t01002-1 100%") != std::string::npos);
}

namespace {

// The public core headers docs/architecture.md §2.2 names: the `…hpp` names in
// the lines between "Public headers are" and "Everything else is private".
std::set<std::string> documented_core_headers()
{
    const std::string doc = slurp(std::string(DMC_SOURCE_ROOT) + "/docs/architecture.md");
    const auto begin = doc.find("Public headers are");
    const auto end = doc.find("Everything else is private", begin);
    REQUIRE(begin != std::string::npos);
    REQUIRE(end != std::string::npos);
    const std::string section = doc.substr(begin, end - begin);
    std::set<std::string> names;
    const std::regex header_name("`([a-z_]+\\.hpp)`");
    for (std::sregex_iterator it(section.begin(), section.end(), header_name), last; it != last; ++it)
        names.insert((*it)[1].str());
    return names;
}

} // namespace

TEST_CASE("sdk: libdamocles-core links no database or HTTP library and installs only the documented headers", "[sdk]")
{
    TempDir dir("sdk-core-seam");
    const std::string dest = dir / "dest";
    must_run({"/usr/bin/env", "meson", "install", "-C", DMC_BUILD_ROOT, "--destdir", dest, "--no-rebuild", "--quiet"});
    const std::string pc = find_pkgconfig_dir(dest);
    REQUIRE_FALSE(pc.empty());
    RunOptions env;
    env.env["PKG_CONFIG_PATH"] = pc;
    for (const char *mode : {"--libs", "--static"}) {
        std::vector<std::string> argv = {"/usr/bin/env", "pkg-config", "--libs", "damocles-core"};
        if (std::string(mode) == "--static") argv.push_back("--static");
        const auto libs = must_run(argv, env).out;
        INFO("pkg-config " << mode << ": " << libs);
        CHECK(libs.find("-ldamocles-core") != std::string::npos);
        for (const char *unwanted : {"pq", "sqlite3", "httplib", "damocles-service"})
            CHECK(libs.find(unwanted) == std::string::npos);
    }

    // The shared object itself needs none of them either.
    const std::string libdir = fs::path(pc).parent_path().string();
    const auto needed = must_run({"/usr/bin/env", "objdump", "-p", libdir + "/libdamocles-core.so"}).out;
    CHECK(needed.find("NEEDED               libdamocles-sdk.so") != std::string::npos);
    for (const char *unwanted : {"libpq", "libsqlite3", "libssl", "libdamocles-service"})
        CHECK(needed.find(unwanted) == std::string::npos);

    // Installed headers: exactly the documented list, none of which pulls in
    // Boost, oneTBB, nlohmann-json or hwloc.
    const std::string include_dir = fs::path(libdir).parent_path().parent_path().string() + "/include/damocles/core";
    std::set<std::string> installed;
    for (const auto &e : fs::recursive_directory_iterator(include_dir)) {
        if (!e.is_regular_file()) continue;
        installed.insert(fs::relative(e.path(), include_dir).string());
        const std::string text = slurp(e.path().string());
        for (const char *unwanted : {"<boost/", "<tbb/", "<nlohmann/", "<hwloc", "internal/"}) {
            INFO(e.path().filename().string() << " includes " << unwanted);
            CHECK(text.find(std::string("#include ") + unwanted) == std::string::npos);
            CHECK(text.find(std::string("#include \"damocles/core/") + unwanted) == std::string::npos);
        }
    }
    CHECK(installed == documented_core_headers());
    CHECK(installed.count("framework.hpp") == 1);
}
