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
    CHECK(version.out.find("(plugin ABI 1.0)") != std::string::npos);

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
