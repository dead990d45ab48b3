// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run bench <name>`: benchmarks live in tools/bench; each ends with
// one line of key=value pairs including seconds= and ratio= (measured time
// divided by a limit measured in the same run). One file per benchmark:
// bench_fr.cpp, bench_pc1.cpp, bench_pc2.cpp, bench_rebuild.cpp,
// bench_store_check.cpp, bench_metrics.cpp; the limits
// they share are in bench_support.cpp.
#include "bench_support.hpp"
#include "cli_common.hpp"

namespace dmc::cli {

void register_bench_commands(CLI::App &app)
{
    auto *bench = app.add_subcommand("bench", "Benchmarks printing ratios to limits measured in the same run");
    bench->require_subcommand(1);
    bench::add_fr_bench(bench);
    bench::add_pc1_bench(bench);
    bench::add_pc2_bench(bench);
    bench::add_rebuild_bench(bench);
    bench::add_store_check_bench(bench);
    bench::add_metrics_bench(bench);
}

} // namespace dmc::cli
