// SPDX-License-Identifier: Apache-2.0
//
// A third-party tree_d stage: the binary SHA-254 tree of docs/algorithms.md §3.1 built
// depth-first (each 2^12-leaf block is read with pread and reduced to its
// root while its levels are appended to per-level buffers, flushed by
// level), a different algorithm from the cpu plugin's chunked breadth-first
// one, with byte-identical output. It uses only the installed SDK, and the
// SDK's stage_support.hpp for what every entry point needs around its body
// (errors into call->error, status codes, no exception across the C ABI).
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

#include "damocles/plugin.h"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/sha254.hpp"
#include "damocles/sdk/stage_support.hpp"

namespace {

constexpr unsigned kBlockHeight = 12;

dmc::Status build(const dmc_call *call, dmc_tree_d_args *args)
{
    const uint64_t size = args->sector_size;
    if (args->struct_size < sizeof(dmc_tree_d_args) || size < 64 || (size & (size - 1)))
        return dmc::make_error(dmc::Errc::invalid_argument, "bad arguments");
    const uint64_t leaves = size / 32;
    unsigned height = 0;
    while ((uint64_t(1) << height) < leaves) ++height;
    const unsigned block_height = height < kBlockHeight ? height : kBlockHeight;
    const uint64_t block_leaves = uint64_t(1) << block_height;

    int fd = ::open(args->staged_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return dmc::make_error(dmc::Errc::io, std::string("cannot open ") + args->staged_path);
    // levels[h] collects the nodes of level h in order (leaves excluded for
    // h < block_height: they are written as they are read).
    std::vector<std::vector<uint8_t>> levels(height + 1);
    auto out = dmc::AtomicFileWriter::create(args->tree_d_path);
    if (!out) {
        ::close(fd);
        return out.error();
    }
    std::vector<uint64_t> level_offset(height + 1, 0);
    for (unsigned h = 1; h <= height; ++h) level_offset[h] = level_offset[h - 1] + (leaves >> (h - 1));
    std::vector<uint8_t> block(block_leaves * 32);
    for (uint64_t b = 0; b < leaves / block_leaves; ++b) {
        std::fill(block.begin(), block.end(), 0);
        ssize_t n = ::pread(fd, block.data(), block.size(), static_cast<off_t>(b * block.size()));
        if (n < 0) {
            ::close(fd);
            return dmc::make_error(dmc::Errc::io, std::string("read error: ") + std::strerror(errno));
        }
        if (auto st = out->write_at(b * block.size(), block); !st) {
            ::close(fd);
            return st;
        }
        // Depth-first inside the block: pairwise reduce, level by level.
        std::vector<uint8_t> cur = block;
        for (unsigned h = 1; h <= block_height; ++h) {
            std::vector<uint8_t> next(cur.size() / 2);
            for (size_t i = 0; i < next.size() / 32; ++i)
                dmc::sha254_node(&cur[64 * i], &cur[64 * i + 32], &next[32 * i]);
            const uint64_t index = b * (block_leaves >> h);
            if (auto st = out->write_at((level_offset[h] + index) * 32, next); !st) {
                ::close(fd);
                return st;
            }
            cur.swap(next);
        }
        levels[block_height].insert(levels[block_height].end(), cur.begin(), cur.end());
        if (call->progress) call->progress(call->progress_user, b + 1, leaves / block_leaves);
        if (dmc::plugin::cancel_requested(call)) {
            ::close(fd);
            return dmc::make_error(dmc::Errc::cancelled, "cancelled");
        }
    }
    ::close(fd);
    // Above the blocks: the remaining levels from the block roots.
    for (unsigned h = block_height + 1; h <= height; ++h) {
        const auto &below = levels[h - 1];
        auto &cur = levels[h];
        cur.resize(below.size() / 2);
        for (size_t i = 0; i < cur.size() / 32; ++i)
            dmc::sha254_node(&below[64 * i], &below[64 * i + 32], &cur[32 * i]);
        if (auto st = out->write_at(level_offset[h] * 32, cur); !st) return st;
    }
    const auto &root = levels[height];
    std::memcpy(args->comm_d, root.data(), 32);
    return out->commit();
}

dmc_status run(const dmc_call *call, dmc_tree_d_args *args)
{
    return dmc::plugin::run_stage(call, "example tree_d", [&] { return build(call, args); });
}

const dmc_tree_d_ops kOps = {sizeof(dmc_tree_d_ops), 0, run};
const dmc_stage_desc kStages[] = {
    // Priority below the cpu reference: used only when chosen ([plugins] tree_d = "example-tree-d").
    {sizeof(dmc_stage_desc), DMC_STAGE_TREE_D, DMC_TREE_D_IFACE, -5, 0, 1, &kOps},
};
const dmc_plugin_descriptor kDescriptor = {
    DMC_PLUGIN_ABI,
    sizeof(dmc_plugin_descriptor),
    "example-tree-d",
    "1.0.0",
    "third-party example: depth-first tree_d",
    0,
    DMC_GPU_NONE,
    1,
    kStages,
    {nullptr, nullptr, nullptr, nullptr},
};

} // namespace

extern "C" DMC_EXPORT const dmc_plugin_descriptor *dmc_plugin_query(void) { return &kDescriptor; }
