// SPDX-License-Identifier: Apache-2.0
//
// Loader rules (core/loader/plugin_registry.cpp design note) proven with the
// test-only plugins of tests/plugins and files made up on the spot.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "damocles/core/internal/cpu_features.hpp"
#include "damocles/core/plugin_registry.hpp"
#include "process.hpp"
#include "skip.hpp"

namespace fs = std::filesystem;
using namespace dmc::core;

namespace {

DiscoveryOptions only(const std::vector<std::string> &dirs)
{
    DiscoveryOptions o;
    o.use_env = false;
    o.use_build_tree = false;
    o.use_install_dir = false;
    o.extra_dirs = dirs;
    return o;
}

const PluginInfo *find_by_file(const PluginRegistry &reg, const std::string &file)
{
    for (const auto &p : reg.plugins())
        if (fs::path(p.path).filename() == file) return &p;
    return nullptr;
}

struct ScopedEnv {
    std::string name;
    std::string old;
    bool had;
    ScopedEnv(const char *n, const char *v) : name(n)
    {
        const char *o = std::getenv(n);
        had = o != nullptr;
        if (had) old = o;
        setenv(n, v, 1);
    }
    ~ScopedEnv()
    {
        if (had)
            setenv(name.c_str(), old.c_str(), 1);
        else
            unsetenv(name.c_str());
    }
};

} // namespace

TEST_CASE("loader: valid plugin is usable, its stage selectable, library kept alive", "[loader]")
{
    auto reg = PluginRegistry::discover(only({DMC_TEST_PLUGIN_DIR}));
    const auto *valid = find_by_file(reg, "dmc-test-plugin-valid.so");
    REQUIRE(valid);
    CHECK(valid->usable);
    CHECK(valid->name == "test-valid");
    CHECK(valid->version == "1.2.3");
    REQUIRE(valid->stages.size() == 1);
    CHECK(valid->stages[0].kind == DMC_STAGE_TREE_D);
    CHECK(valid->stages[0].priority == -10);

    StageHandle handle;
    {
        auto local = PluginRegistry::discover(only({DMC_TEST_PLUGIN_DIR}));
        auto sel = local.select(DMC_STAGE_TREE_D);
        REQUIRE(sel.ok());
        handle = *sel;
    }
    // The registry is gone; the handle still owns the library.
    REQUIRE(handle);
    CHECK(handle.plugin_name() == "test-valid");
    REQUIRE(handle.ops<dmc_tree_d_ops>()->run != nullptr);
    dmc_tree_d_args bad{};
    char err[128] = {};
    dmc_call call{};
    call.struct_size = sizeof call;
    call.error = err;
    call.error_size = sizeof err;
    CHECK(handle.ops<dmc_tree_d_ops>()->run(&call, &bad) == DMC_ERR_INVALID_ARG);
    CHECK(std::string(err).find("bad tree_d args") != std::string::npos);
}

TEST_CASE("loader: wrong ABI major and short descriptor are skipped with reasons", "[loader]")
{
    auto reg = PluginRegistry::discover(only({DMC_TEST_PLUGIN_DIR}));
    const auto *bad = find_by_file(reg, "dmc-test-plugin-bad-abi.so");
    REQUIRE(bad);
    CHECK_FALSE(bad->usable);
    CHECK(bad->skip_reason.find("plugin ABI 99.0 does not match host ABI 1.") != std::string::npos);
    const auto *shortd = find_by_file(reg, "dmc-test-plugin-short-descriptor.so");
    REQUIRE(shortd);
    CHECK_FALSE(shortd->usable);
    CHECK(shortd->skip_reason.find("descriptor too short (16 bytes") != std::string::npos);
}

TEST_CASE("loader: a missing CPU feature skips the plugin", "[loader]")
{
    // Bit 5 = DMC_CPU_AVX512IFMA hidden from the host mask.
    ScopedEnv mask("DAMOCLES_CPU_MASK", "20");
    CHECK((dmc::core::host_cpu_features() & DMC_CPU_AVX512IFMA) == 0);
    auto reg = PluginRegistry::discover(only({DMC_TEST_PLUGIN_DIR}));
    const auto *p = find_by_file(reg, "dmc-test-plugin-needs-ifma.so");
    REQUIRE(p);
    CHECK_FALSE(p->usable);
    CHECK(p->skip_reason == "missing CPU features: avx512ifma");
}

TEST_CASE("loader: a CPU that has the feature loads the plugin", "[loader]")
{
    if (!(dmc::core::host_cpu_features() & DMC_CPU_AVX512IFMA)) {
        DMC_SKIP("this CPU lacks avx512ifma: the plugin that needs it cannot load here");
    }
    auto reg = PluginRegistry::discover(only({DMC_TEST_PLUGIN_DIR}));
    const auto *p = find_by_file(reg, "dmc-test-plugin-needs-ifma.so");
    REQUIRE(p);
    CHECK(p->usable);
}

TEST_CASE("loader: non-ELF file, non-plugin library and duplicates are skipped", "[loader]")
{
    dmc::test::TempDir dir("loader");
    dmc::test::write_text(dir / "garbage.so", "this is not a shared object\n");
    fs::copy_file(DMC_TEST_PLUGIN_DIR "/dmc-test-plugin-valid.so", dir / "dmc-test-plugin-valid-copy.so");
    // An ELF shared object that is not a plugin: the sdk library itself.
    fs::copy_file(DMC_BUILD_ROOT "/sdk/libdamocles-sdk.so", dir / "libnot-a-plugin.so");

    auto reg = PluginRegistry::discover(only({DMC_TEST_PLUGIN_DIR, dir.path()}));
    const auto *garbage = find_by_file(reg, "garbage.so");
    REQUIRE(garbage);
    CHECK_FALSE(garbage->usable);
    CHECK(garbage->skip_reason == "not a shared object (no ELF header)");

    const auto *notplugin = find_by_file(reg, "libnot-a-plugin.so");
    REQUIRE(notplugin);
    CHECK_FALSE(notplugin->usable);
    CHECK(notplugin->skip_reason.find("no dmc_plugin_query symbol") != std::string::npos);

    const auto *copy = find_by_file(reg, "dmc-test-plugin-valid-copy.so");
    REQUIRE(copy);
    CHECK_FALSE(copy->usable);
    CHECK(copy->skip_reason.find("shadowed by") != std::string::npos);
}

TEST_CASE("loader: missing directories warn and are ignored", "[loader]")
{
    auto reg = PluginRegistry::discover(only({"/nonexistent/dmc-plugins", DMC_TEST_PLUGIN_DIR}));
    REQUIRE(reg.warnings().size() == 1);
    CHECK(reg.warnings()[0] == "plugin directory /nonexistent/dmc-plugins does not exist (ignored)");
    CHECK(find_by_file(reg, "dmc-test-plugin-valid.so") != nullptr);
}

TEST_CASE("loader: selection honours priority and config overrides", "[loader]")
{
    auto reg = PluginRegistry::discover(only({DMC_TEST_PLUGIN_DIR}));
    auto by_name = reg.select(DMC_STAGE_TREE_D, std::map<std::string, std::string>{{"tree_d", "test-valid"}});
    REQUIRE(by_name.ok());
    CHECK(by_name->plugin_name() == "test-valid");

    auto absent = reg.select(DMC_STAGE_TREE_D, std::string("no-such-plugin"));
    REQUIRE_FALSE(absent.ok());
    CHECK(absent.error().message.find("plugin no-such-plugin configured for stage tree_d was not found") == 0);

    {
        // A plugin whose descriptor is readable but unusable is named as such.
        ScopedEnv mask("DAMOCLES_CPU_MASK", "20");
        auto masked = PluginRegistry::discover(only({DMC_TEST_PLUGIN_DIR}));
        auto skipped = masked.select(DMC_STAGE_TREE_D, std::string("test-needs-ifma"));
        REQUIRE_FALSE(skipped.ok());
        CHECK(skipped.error().message ==
              "plugin test-needs-ifma configured for stage tree_d is skipped: missing CPU features: avx512ifma");
    }
    // A wrong-ABI descriptor cannot be trusted, not even its name.
    auto bad_abi = reg.select(DMC_STAGE_TREE_D, std::string("test-bad-abi"));
    REQUIRE_FALSE(bad_abi.ok());
    CHECK(bad_abi.error().message.find("was not found") != std::string::npos);

    auto none = reg.select(DMC_STAGE_SNAP_ENCODE);
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().message.find("no usable plugin implements stage snap_encode") == 0);

    CHECK(stage_kind_name(DMC_STAGE_TREE_R_LAST) == std::string("tree_r_last"));
    CHECK(stage_kind_from_name("snap_encode") == DMC_STAGE_SNAP_ENCODE);
    CHECK_FALSE(stage_kind_from_name("pc2").has_value());
}

TEST_CASE("loader: cpu feature names", "[loader]")
{
    CHECK(cpu_feature_names(DMC_CPU_SHA_NI | DMC_CPU_ADX) == "sha_ni adx");
    CHECK(cpu_feature_names(0) == "");
    CHECK(cpu_feature_names(1ull << 40) == "unknown-bits-0x10000000000");
}

namespace {

// Calls the kernel_bench stage of a handle; returns its status.
dmc_status call_kernel(const StageHandle &handle, const char *kernel, uint64_t work, uint64_t param0, std::string &text,
                       std::string &error)
{
    char err[256] = {};
    char line[64] = {};
    dmc_call call{};
    call.struct_size = sizeof call;
    call.error = err;
    call.error_size = sizeof err;
    dmc_kernel_bench_args args{};
    args.struct_size = sizeof args;
    args.kernel = kernel;
    args.work = work;
    args.params[0] = param0;
    args.params[3] = 4;
    args.ns_per_op = -5;
    args.text = line;
    args.text_size = sizeof line;
    const dmc_status status = handle.ops<dmc_kernel_bench_ops>()->run(&call, &args);
    text = line;
    error = err;
    if (status == DMC_OK) CHECK(args.ns_per_op == 0);
    return status;
}

} // namespace

TEST_CASE("loader: a kernel_bench stage (ABI 1.1) is listed with its kernels and callable", "[loader][kernel_bench]")
{
    auto reg = PluginRegistry::discover(only({DMC_TEST_PLUGIN_DIR}));
    const auto *p = find_by_file(reg, "dmc-test-plugin-kernel-bench.so");
    REQUIRE(p);
    CHECK(p->usable);
    REQUIRE(p->stages.size() == 1);
    CHECK(p->stages[0].kind == DMC_STAGE_KERNEL_BENCH);
    CHECK(p->stages[0].kernels == std::vector<std::string>{"echo"});
    CHECK(stage_kind_name(DMC_STAGE_KERNEL_BENCH) == std::string("kernel_bench"));
    CHECK(stage_kind_from_name("kernel_bench") == DMC_STAGE_KERNEL_BENCH);

    auto handle = reg.select(DMC_STAGE_KERNEL_BENCH, std::string("test-kernel-bench"));
    REQUIRE(handle.ok());
    std::string text, error;
    CHECK(call_kernel(*handle, "echo", 12, 3, text, error) == DMC_OK);
    CHECK(text == "work=12 params=3,4");
    // Params the kernel does not offer, an unknown kernel, no work: one line each.
    CHECK(call_kernel(*handle, "echo", 12, 7, text, error) == DMC_ERR_UNSUPPORTED);
    CHECK(error == "test-kernel-bench kernel_bench: kernel echo does not offer params 7,0,0,4");
    CHECK(call_kernel(*handle, "sha", 12, 0, text, error) == DMC_ERR_UNSUPPORTED);
    CHECK(error.find("no kernel named 'sha'") != std::string::npos);
    CHECK(call_kernel(*handle, "echo", 0, 0, text, error) == DMC_ERR_INVALID_ARG);
    CHECK(error == "test-kernel-bench kernel_bench: work must be at least 1");
}

TEST_CASE("loader: a plugin without kernel_bench (ABI 1.0) still loads", "[loader][kernel_bench]")
{
    auto reg = PluginRegistry::discover(only({DMC_TEST_PLUGIN_DIR}));
    const auto *old = find_by_file(reg, "dmc-test-plugin-abi-1-0.so");
    REQUIRE(old);
    CHECK(old->usable);
    CHECK(old->stages.empty());
    const auto *valid = find_by_file(reg, "dmc-test-plugin-valid.so");
    REQUIRE(valid);
    CHECK(valid->usable);
    for (const auto &h : reg.all(DMC_STAGE_KERNEL_BENCH)) CHECK(h.plugin_name() == "test-kernel-bench");
    auto none = reg.select(DMC_STAGE_KERNEL_BENCH, std::string("test-abi-1-0"));
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().message == "plugin test-abi-1-0 configured for stage kernel_bench does not implement it");
}

TEST_CASE("loader: an invalid kernel name skips the plugin", "[loader][kernel_bench]")
{
    auto reg = PluginRegistry::discover(only({DMC_TEST_PLUGIN_DIR}));
    const auto *bad = find_by_file(reg, "dmc-test-plugin-bad-kernel-list.so");
    REQUIRE(bad);
    CHECK_FALSE(bad->usable);
    CHECK(bad->skip_reason == "stage kernel_bench kernel 1 has an invalid name (want [a-z0-9_-]{1,32})");
}

TEST_CASE("loader: pc1 batch hints (ABI 1.2) are read, a 1.1 pc1 table loads without them", "[loader]")
{
    auto reg = PluginRegistry::discover(only({DMC_TEST_PLUGIN_DIR}));
    const auto *old = find_by_file(reg, "dmc-test-plugin-pc1-abi-1-1.so");
    REQUIRE(old);
    CHECK(old->usable);
    REQUIRE(old->stages.size() == 1);
    CHECK(old->stages[0].max_sectors == 4);
    CHECK(old->stages[0].hints.sectors_per_thread == 0);
    CHECK(old->stages[0].hints.memory_permille == 0);
    auto handle = reg.select(DMC_STAGE_PC1, std::string("test-pc1-abi-1-1"));
    REQUIRE(handle.ok());
    CHECK(handle->batch_hints().sectors_per_thread == 0);

    // The build tree's plugins: the cpu reference gives no hints; avx512
    // (where this CPU can load it) labels 16 sectors per thread in 1/4 S each.
    auto built = PluginRegistry::discover();
    auto cpu = built.select(DMC_STAGE_PC1, std::string("cpu"));
    REQUIRE(cpu.ok());
    CHECK(cpu->batch_hints().sectors_per_thread == 0);
    CHECK(cpu->batch_hints().memory_permille == 0);
    for (const auto &p : built.plugins()) {
        if (p.name != "avx512" || !p.usable) continue;
        auto avx = built.select(DMC_STAGE_PC1, std::string("avx512"));
        REQUIRE(avx.ok());
        CHECK(avx->batch_hints().sectors_per_thread == 16);
        CHECK(avx->batch_hints().memory_permille == 250);
    }
}
