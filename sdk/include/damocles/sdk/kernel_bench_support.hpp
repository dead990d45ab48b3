// SPDX-License-Identifier: Apache-2.0
//
// For plugin authors: the kernel_bench entry point (ABI 1.1,
// docs/plugin-guide.md "Kernel measurements") as a table of named kernels.
// The argument checks, the name lookup and the error line are the same in
// every plugin:
//
//   const plugin::KernelBenchEntry kTable[] = {{"fr_mul", time_fr_mul}, ...};
//   dmc_status run(const dmc_call *call, dmc_kernel_bench_args *args)
//   {
//       return plugin::run_kernel_bench(call, args, kTable, "avx512");
//   }
//
// A kernel returns wall-clock nanoseconds per unit of `work` (0 when it only
// describes something in its text line; kNotOffered for params it does not
// offer, which the caller sees as DMC_ERR_UNSUPPORTED) and may write one line
// with put_text().
#pragma once

#include <cstdio>
#include <cstring>
#include <span>
#include <string>

#include "damocles/plugin.h"
#include "damocles/sdk/stage_support.hpp"

namespace dmc::plugin {

inline constexpr double kNotOffered = -1.0;

struct KernelBenchEntry {
    const char *name;
    double (*run)(const dmc_kernel_bench_args &args);
};

// One line into args.text (truncated), when the caller gave a buffer.
inline void put_text(const dmc_kernel_bench_args &args, const std::string &line)
{
    if (args.text && args.text_size > 0) std::snprintf(args.text, args.text_size, "%s", line.c_str());
}

inline dmc_status run_kernel_bench(const dmc_call *call, dmc_kernel_bench_args *args,
                                   std::span<const KernelBenchEntry> table, const char *plugin)
{
    const std::string stage = std::string(plugin) + " kernel_bench";
    return run_stage(call, stage.c_str(), [&]() -> Status {
        if (!args || args->struct_size < sizeof(dmc_kernel_bench_args))
            return make_error(Errc::invalid_argument, "arguments missing or too short (rebuild the host)");
        if (!args->kernel) return make_error(Errc::invalid_argument, "no kernel name given");
        if (args->work == 0) return make_error(Errc::invalid_argument, "work must be at least 1");
        if (args->text && args->text_size > 0) args->text[0] = '\0';
        for (const KernelBenchEntry &entry : table) {
            if (std::strcmp(entry.name, args->kernel) != 0) continue;
            const double ns = entry.run(*args);
            if (ns < 0)
                return make_error(Errc::unsupported,
                                  std::string("kernel ") + args->kernel + " does not offer params " +
                                      std::to_string(args->params[0]) + "," + std::to_string(args->params[1]) + "," +
                                      std::to_string(args->params[2]) + "," + std::to_string(args->params[3]));
            args->ns_per_op = ns;
            return {};
        }
        return make_error(Errc::unsupported, std::string("no kernel named '") + args->kernel +
                                                 "' (see `damocles-run plugins list --json`)");
    });
}

} // namespace dmc::plugin
