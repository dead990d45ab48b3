// SPDX-License-Identifier: Apache-2.0
//
// A valid test plugin: implements tree_d for real (an independent, simple
// level-by-level build in memory) at a low priority so it never wins
// selection, and is compared byte for byte with the cpu plugin.
#include <cstring>
#include <exception>
#include <vector>

#include "damocles/plugin.h"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/sha254.hpp"

namespace {

void set_error(const dmc_call *call, const char *msg)
{
    if (call && call->error && call->error_size) {
        std::strncpy(call->error, msg, call->error_size - 1);
        call->error[call->error_size - 1] = '\0';
    }
}

dmc_status run_tree_d(const dmc_call *call, dmc_tree_d_args *args)
{
    try {
        if (!args || args->struct_size < sizeof(dmc_tree_d_args) || args->sector_size < 64) {
            set_error(call, "test plugin: bad tree_d args");
            return DMC_ERR_INVALID_ARG;
        }
        auto in = dmc::MappedFile::open_read(args->staged_path);
        if (!in) {
            set_error(call, in.error().message.c_str());
            return DMC_ERR_IO;
        }
        std::vector<uint8_t> level(args->sector_size, 0);
        std::memcpy(level.data(), in->data(), std::min<uint64_t>(in->size(), args->sector_size));
        auto out = dmc::AtomicFileWriter::create(args->tree_d_path);
        if (!out) {
            set_error(call, out.error().message.c_str());
            return DMC_ERR_IO;
        }
        while (true) {
            if (!out->write(level)) return DMC_ERR_IO;
            if (level.size() == 32) break;
            std::vector<uint8_t> next(level.size() / 2);
            for (size_t i = 0; i < next.size() / 32; ++i)
                dmc::sha254_node(&level[64 * i], &level[64 * i + 32], &next[32 * i]);
            level.swap(next);
        }
        std::memcpy(args->comm_d, level.data(), 32);
        if (!out->commit()) return DMC_ERR_IO;
        return DMC_OK;
    } catch (const std::exception &e) {
        set_error(call, e.what());
        return DMC_ERR_INTERNAL;
    }
}

const dmc_tree_d_ops kTreeDOps = {sizeof(dmc_tree_d_ops), 0, run_tree_d};
const dmc_stage_desc kStages[] = {
    {sizeof(dmc_stage_desc), DMC_STAGE_TREE_D, DMC_TREE_D_IFACE, -10, 0, 1, &kTreeDOps},
};
const dmc_plugin_descriptor kDescriptor = {
    DMC_PLUGIN_ABI,
    sizeof(dmc_plugin_descriptor),
    "test-valid",
    "1.2.3",
    "loader test plugin (valid)",
    0,
    DMC_GPU_NONE,
    1,
    kStages,
    {nullptr, nullptr, nullptr, nullptr},
};

} // namespace

extern "C" DMC_EXPORT const dmc_plugin_descriptor *dmc_plugin_query(void) { return &kDescriptor; }
