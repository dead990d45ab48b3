// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run bench <name>`: benchmarks live in tools/bench; each ends with
// one line of key=value pairs including seconds= and ratio= (measured time
// divided by a limit measured in the same run).
#include "cli_common.hpp"

namespace dmc::cli {

void register_bench_commands(CLI::App &app)
{
    auto *bench = app.add_subcommand("bench", "Benchmarks printing ratios to limits measured in the same run");
    bench->require_subcommand(1);
}

} // namespace dmc::cli
