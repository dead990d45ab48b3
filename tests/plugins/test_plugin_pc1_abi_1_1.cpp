// SPDX-License-Identifier: Apache-2.0
//
// Loader test: a multi-sector pc1 stage whose function table was built
// against ABI 1.1 (16 bytes, ending at run: no batch hints). A 1.2 host
// loads it and estimates its fused vertices with the default formulas.
#include "damocles/plugin.h"

namespace {

dmc_status run(const dmc_call *, dmc_pc1_args *) { return DMC_ERR_UNSUPPORTED; }

// The 1.1 layout of dmc_pc1_ops.
struct Pc1OpsAbi11 {
    uint32_t struct_size;
    uint32_t reserved0;
    dmc_status (*run)(const dmc_call *call, dmc_pc1_args *args);
};
const Pc1OpsAbi11 kOps = {sizeof(Pc1OpsAbi11), 0, run};

const dmc_stage_desc kStages[] = {
    {sizeof(dmc_stage_desc), DMC_STAGE_PC1, DMC_PC1_IFACE, -20, DMC_STAGE_FLAG_MULTI_SECTOR, 4, &kOps},
};
const dmc_plugin_descriptor kDescriptor = {
    (1u << 16) | 1u,
    sizeof(dmc_plugin_descriptor),
    "test-pc1-abi-1-1",
    "1.1.0",
    "loader test plugin (pc1 table of ABI 1.1)",
    0,
    DMC_GPU_NONE,
    1,
    kStages,
    {nullptr, nullptr, nullptr, nullptr},
};

} // namespace

extern "C" DMC_EXPORT const dmc_plugin_descriptor *dmc_plugin_query(void) { return &kDescriptor; }
