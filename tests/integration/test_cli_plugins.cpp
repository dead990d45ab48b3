// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run plugins list` and the executable's aliases, run as a user
// would run them.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "damocles/plugin.h"
#include "damocles/version.h"
#include "process.hpp"

#include <nlohmann/json.hpp>

using namespace dmc::test;

TEST_CASE("cli: the suite is sealed off: only build-tree plugins, whatever the caller's environment held", "[cli]")
{
    // tests/support/main.cpp removed DAMOCLES_PLUGIN_PATH (and every other
    // DAMOCLES_* but the log level) before any test ran.
    CHECK(std::getenv("DAMOCLES_PLUGIN_PATH") == nullptr);
    CHECK(std::getenv("DAMOCLES_FAILPOINTS") == nullptr);
    auto r = run({damocles_run(), "plugins", "list", "--json"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    const auto listed = nlohmann::json::parse(r.out);
    REQUIRE(listed.is_array());
    REQUIRE_FALSE(listed.empty());
    for (const auto &p : listed) {
        const std::string path = p["path"];
        INFO(path);
        CHECK(path.rfind(std::string(DMC_BUILD_ROOT) + "/plugins/", 0) == 0);
        // The pc1 batch hints (ABI 1.2): avx512 labels 16 sectors per thread;
        // the cpu reference gives none.
        for (const auto &st : p["stages"]) {
            if (st["stage"] != "pc1") continue;
            if (p["name"] == "avx512") {
                CHECK(st.value("sectors_per_thread", 0) == 16);
                CHECK(st.value("memory_permille", 0) == 250);
            } else if (p["name"] == "cpu") {
                CHECK_FALSE(st.contains("sectors_per_thread"));
            }
        }
    }
}

TEST_CASE("cli: plugins list with a missing DAMOCLES_PLUGIN_PATH dir still lists build-tree plugins", "[cli]")
{
    RunOptions opts;
    opts.env["DAMOCLES_PLUGIN_PATH"] = "/nonexistent";
    auto r = run({damocles_run(), "plugins", "list"}, opts);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("plugin directory /nonexistent does not exist (ignored)") != std::string::npos);
    CHECK(r.out.find("dmc-plugin-cpu.so") != std::string::npos);
    CHECK(r.out.find("dmc-plugin-avx512.so") != std::string::npos);
    // The text form names the kernel_bench kernels too (the cpu plugin's fr_mul).
    CHECK(r.out.find("kernels: ") != std::string::npos);
    CHECK(r.out.find("fr_mul") != std::string::npos);
}

TEST_CASE("cli: a plugin path entry with junk lists it as skipped", "[cli]")
{
    TempDir dir("cli-plugins");
    write_text(dir / "broken.so", "#!/bin/sh\n");
    RunOptions opts;
    opts.env["DAMOCLES_PLUGIN_PATH"] = dir.path();
    auto r = run({damocles_run(), "plugins", "list"}, opts);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find(dir / "broken.so") != std::string::npos);
    CHECK(r.out.find("skipped: not a shared object (no ELF header)") != std::string::npos);
}

TEST_CASE("cli: avx512 usable exactly when the CPU has its features; gpu skipped without a GPU", "[cli]")
{
    auto r = run({damocles_run(), "plugins", "list", "--json"});
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    bool saw_cpu = false;
    for (const auto &p : j) {
        if (p["name"] == "cpu") {
            saw_cpu = true;
            CHECK(p["usable"] == true);
            // ABI 1.1: its kernel_bench stage, listed with the kernels it times.
            bool saw_kernels = false;
            for (const auto &st : p["stages"])
                if (st["stage"] == "kernel_bench")
                    saw_kernels = st["kernels"] == nlohmann::json({"fr_mul", "fr_mul_latency", "poseidon"});
            CHECK(saw_kernels);
        }
        if (p["name"] == "gpu" && !p["usable"].get<bool>())
            CHECK(p["skip_reason"].get<std::string>().find("needs a CUDA GPU") == 0);
    }
    CHECK(saw_cpu);

    RunOptions masked;
    masked.env = {{"DAMOCLES_CPU_MASK", "1"}}; // hide SHA-NI
    auto m = run({damocles_run(), "plugins", "list"}, masked);
    REQUIRE(m.exit_code == 0);
    CHECK(m.out.find("skipped: missing CPU features: sha_ni") != std::string::npos);
}

TEST_CASE("cli: --version names the plugin ABI; aliases answer as manager and worker", "[cli]")
{
    auto v = run({damocles_run(), "--version"});
    REQUIRE(v.exit_code == 0);
    CHECK(v.out.find(std::string("damocles-run ") + DMC_VERSION + " (plugin ABI 1.2)") != std::string::npos);

    auto m = run({damocles_manager(), "--help"});
    CHECK(m.exit_code == 0);
    CHECK(m.out.find("Usage: damocles-manager") != std::string::npos);
    auto w = run({damocles_worker(), "--help"});
    CHECK(w.exit_code == 0);
    CHECK(w.out.find("Usage: damocles-worker") != std::string::npos);
}

TEST_CASE("cli: unknown commands and options are usage errors (exit 2, one line)", "[cli]")
{
    auto r = run({damocles_run(), "no-such-command"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("see --help") != std::string::npos);
    auto o = run({damocles_run(), "plugins", "list", "--bogus"});
    CHECK(o.exit_code == 2);
}
