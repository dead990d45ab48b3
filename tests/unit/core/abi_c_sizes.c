/* SPDX-License-Identifier: Apache-2.0 */
/* plugin.h compiled as C11: proves it is a C header and reports sizes. */
#include <stddef.h>

#include "damocles/plugin.h"

size_t dmc_test_c_sizeof(int which)
{
    switch (which) {
    case 0: return sizeof(dmc_plugin_descriptor);
    case 1: return sizeof(dmc_stage_desc);
    case 2: return sizeof(dmc_call);
    case 3: return sizeof(dmc_pc1_args);
    case 4: return sizeof(dmc_tree_r_last_args);
    case 5: return sizeof(dmc_snap_vanilla_args);
    case 6: return sizeof(dmc_kernel_bench_args);
    case 7: return sizeof(dmc_kernel_bench_ops);
    default: return 0;
    }
}
