// SPDX-License-Identifier: Apache-2.0
#include "plugin_kernels.hpp"

#include <cstring>

#include "cli_common.hpp"

namespace dmc::cli::bench {

std::optional<PluginKernels> PluginKernels::of(const core::PluginRegistry &registry, const std::string &plugin)
{
    for (auto &stage : registry.all(DMC_STAGE_KERNEL_BENCH))
        if (stage.plugin_name() == plugin) return PluginKernels(stage);
    return std::nullopt;
}

bool PluginKernels::has(const std::string &kernel) const
{
    const auto *ops = stage_.ops<dmc_kernel_bench_ops>();
    for (size_t i = 0; ops->kernels && ops->kernels[i]; ++i)
        if (kernel == ops->kernels[i]) return true;
    return false;
}

bool PluginKernels::call(const std::string &kernel, uint64_t work, const std::array<uint64_t, 4> &params, double &ns,
                         std::string *text) const
{
    if (!has(kernel)) return false;
    char error[512] = {};
    char line[512] = {};
    dmc_call call{};
    call.struct_size = sizeof call;
    call.threads = 1;
    call.numa_node = -1;
    call.error = error;
    call.error_size = sizeof error;
    dmc_kernel_bench_args args{};
    args.struct_size = sizeof args;
    args.kernel = kernel.c_str();
    args.work = work;
    std::memcpy(args.params, params.data(), sizeof args.params);
    args.text = line;
    args.text_size = sizeof line;
    const dmc_status status = stage_.ops<dmc_kernel_bench_ops>()->run(&call, &args);
    if (status == DMC_ERR_UNSUPPORTED) return false;
    if (status != DMC_OK) fail("kernel " + kernel + " of plugin " + plugin_name() + " failed: " + error);
    ns = args.ns_per_op;
    if (text) *text = line;
    return true;
}

std::optional<double> PluginKernels::ns_per_op(const std::string &kernel, uint64_t work,
                                               std::array<uint64_t, 4> params) const
{
    double ns = 0;
    if (!call(kernel, work, params, ns, nullptr)) return std::nullopt;
    return ns;
}

std::optional<std::string> PluginKernels::text(const std::string &kernel, std::array<uint64_t, 4> params) const
{
    double ns = 0;
    std::string line;
    if (!call(kernel, 1, params, ns, &line)) return std::nullopt;
    return line;
}

} // namespace dmc::cli::bench
