// SPDX-License-Identifier: Apache-2.0
//
// The kernel_bench stages of the build tree's plugins (ABI 1.1), reached
// through the registry as `damocles-run bench` reaches them: the kernels
// each lists, a description crossing the ABI (pc1_plan's text), and params
// a kernel does not offer refused with DMC_ERR_UNSUPPORTED. No kernel is
// timed here: tests never measure speed.
#include <catch2/catch.hpp>

#include <array>
#include <regex>

#include "plugin_runner.hpp"

using namespace dmc;

namespace {

struct KernelCall {
    dmc_status status = DMC_ERR_INTERNAL;
    std::string text, error;
};

KernelCall call_kernel(const core::StageHandle &stage, const char *kernel, std::array<uint64_t, 4> params)
{
    char error[256] = {};
    char text[128] = {};
    dmc_call call{};
    call.struct_size = sizeof call;
    call.threads = 1;
    call.numa_node = -1;
    call.error = error;
    call.error_size = sizeof error;
    dmc_kernel_bench_args args{};
    args.struct_size = sizeof args;
    args.kernel = kernel;
    args.work = 1;
    std::copy(params.begin(), params.end(), args.params);
    args.text = text;
    args.text_size = sizeof text;
    KernelCall out;
    out.status = stage.ops<dmc_kernel_bench_ops>()->run(&call, &args);
    out.text = text;
    out.error = error;
    return out;
}

std::vector<std::string> kernels_of(const std::string &plugin)
{
    for (const auto &p : test::plugin_registry().plugins())
        if (p.name == plugin)
            for (const auto &st : p.stages)
                if (st.kind == DMC_STAGE_KERNEL_BENCH) return st.kernels;
    return {};
}

} // namespace

TEST_CASE("kernel_bench: the cpu plugin offers its Fr kernels through the ABI", "[kernel_bench]")
{
    CHECK(kernels_of("cpu") == std::vector<std::string>{"fr_mul", "fr_mul_latency", "poseidon"});
    auto stage = test::plugin_registry().select(DMC_STAGE_KERNEL_BENCH, "cpu");
    REQUIRE(stage.ok());
    const KernelCall odd = call_kernel(*stage, "poseidon", {5, 0, 0, 0});
    CHECK(odd.status == DMC_ERR_UNSUPPORTED);
    CHECK(odd.error == "cpu kernel_bench: kernel poseidon does not offer params 5,0,0,0");
    CHECK(call_kernel(*stage, "madd52", {}).status == DMC_ERR_UNSUPPORTED);
}

TEST_CASE("kernel_bench: the avx512 plugin's kernels and its pc1 plan through the ABI", "[kernel_bench]")
{
    if (!test::avx512_stage_available(DMC_STAGE_KERNEL_BENCH)) return;
    CHECK(kernels_of("avx512") == std::vector<std::string>{"sha256_chain", "sha256_throughput", "pc1_plan", "fr_mul",
                                                           "fr_mul_latency", "madd52", "poseidon"});
    auto stage = test::plugin_registry().select(DMC_STAGE_KERNEL_BENCH, "avx512");
    REQUIRE(stage.ok());
    // As many threads as sectors: every sector takes the single-sector path.
    const KernelCall single = call_kernel(*stage, "pc1_plan", {2, 2, 0, 0});
    REQUIRE(single.status == DMC_OK);
    CHECK(single.text == "2 x sha-ni-single[1]");
    // 12 sectors on one thread: one batch worker with all 12, whichever engine it measured fastest.
    const KernelCall batch = call_kernel(*stage, "pc1_plan", {12, 1, 0, 0});
    REQUIRE(batch.status == DMC_OK);
    CHECK(std::regex_match(batch.text, std::regex("(sha-ni|lanes8|lanes16)\\[12\\]")));
    CHECK(call_kernel(*stage, "pc1_plan", {17, 1, 0, 0}).status == DMC_ERR_UNSUPPORTED);
    CHECK(call_kernel(*stage, "poseidon", {3, 0, 0, 0}).status == DMC_ERR_UNSUPPORTED);
    CHECK(call_kernel(*stage, "sha256_throughput", {4, 0, 0, 0}).status == DMC_ERR_UNSUPPORTED);
    // params[2]: 0 plain, 1 the lanes replay kept schedules, 2 every engine does.
    CHECK(call_kernel(*stage, "sha256_throughput", {16, 4, 1, 0}).status == DMC_OK);
    CHECK(call_kernel(*stage, "sha256_throughput", {16, 4, 2, 0}).status == DMC_OK);
    CHECK(call_kernel(*stage, "sha256_throughput", {0, 4, 2, 0}).status == DMC_OK);
    CHECK(call_kernel(*stage, "sha256_throughput", {0, 4, 1, 0}).status == DMC_ERR_UNSUPPORTED);
    CHECK(call_kernel(*stage, "sha256_throughput", {16, 4, 3, 0}).status == DMC_ERR_UNSUPPORTED);
}
