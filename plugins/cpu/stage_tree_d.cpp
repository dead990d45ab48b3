// SPDX-License-Identifier: Apache-2.0
//
// tree_d stage of the cpu plugin (docs/algorithms.md §3.1, docs/file-formats.md §2): the binary SHA-254 tree
// over the staged sector, written as sc-02-data-tree-d.dat (2N−1 nodes:
// leaves first, each level upward, root last) and its root, comm_d.
//
// The staged file is memory-mapped and zero-extended to the sector size. The
// tree is built chunk by chunk (a chunk is a power-of-two run of leaves): the
// chunk's leaves and every level inside it are appended to one buffered sink
// per level, each sink writing its level's region of the output file in
// order. Only the chunk roots stay in memory for the levels above the chunk,
// so memory is bounded by the chunk size, whatever the sector size. With
// call->threads > 1 the subtrees of a chunk are hashed in parallel.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "cpu_stages.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/sha254.hpp"
#include "damocles/sdk/stage_support.hpp"

namespace dmc::cpu {

namespace {

// Appends one tree level to its region of the output file, in order,
// buffering small appends.
class LevelSink {
public:
    LevelSink(AtomicFileWriter &file, uint64_t offset) : file_(&file), offset_(offset) {}

    Status append(const uint8_t *data, size_t size)
    {
        if (buffer_.empty() && size >= kFlushBytes) return write(data, size);
        buffer_.insert(buffer_.end(), data, data + size);
        if (buffer_.size() >= kFlushBytes) return flush();
        return {};
    }

    Status flush()
    {
        Status st = write(buffer_.data(), buffer_.size());
        buffer_.clear();
        return st;
    }

private:
    static constexpr size_t kFlushBytes = 1u << 20;
    AtomicFileWriter *file_;
    uint64_t offset_;
    std::vector<uint8_t> buffer_;

    Status write(const uint8_t *data, size_t size)
    {
        if (size == 0) return {};
        DMC_TRY_VOID(file_->write_at(offset_, std::span<const uint8_t>(data, size)));
        offset_ += size;
        return {};
    }
};

// Levels 1..height of a chunk of 2^height leaves: levels[k] receives
// 2^(height-k) nodes. `parts` (a power of two <= 2^height) subtrees are
// hashed by separate threads up to their own roots, the rest by the caller.
void hash_chunk(const uint8_t *leaves, unsigned height, std::vector<std::vector<uint8_t>> &levels, unsigned parts)
{
    const uint64_t count = uint64_t(1) << height;
    const unsigned part_height = height - static_cast<unsigned>(__builtin_ctz(parts));
    auto subtree = [&](unsigned p) {
        const uint8_t *in = leaves + uint64_t(p) * (count / parts) * 32;
        for (unsigned k = 1; k <= part_height; ++k) {
            const uint64_t n = (count >> k) / parts;
            uint8_t *out = levels[k].data() + uint64_t(p) * n * 32;
            sha254_level(in, out, n);
            in = out;
        }
    };
    std::vector<std::thread> pool;
    unsigned started = 1;
    try {
        for (; started < parts; ++started) pool.emplace_back(subtree, started);
    } catch (const std::system_error &) {
        // No more threads: the parts not started are hashed here.
    }
    for (unsigned p = started; p < parts; ++p) subtree(p);
    subtree(0);
    for (auto &t : pool) t.join();
    for (unsigned k = part_height + 1; k <= height; ++k)
        sha254_level(levels[k - 1].data(), levels[k].data(), count >> k);
}

// True when the first `bytes` of the chunk (the rest is zero-extension) are zero.
bool is_zero(const uint8_t *data, uint64_t bytes)
{
    uint64_t acc = 0;
    for (uint64_t i = 0; i + 8 <= bytes; i += 8) {
        uint64_t w;
        std::memcpy(&w, data + i, 8);
        acc |= w;
        if ((i & 4095) == 0 && acc) return false; // stop early on data
    }
    for (uint64_t i = bytes & ~uint64_t{7}; i < bytes; ++i) acc |= data[i];
    return acc == 0;
}

// A chunk of zero leaves (CC sectors, the filler of deal sectors): level k is
// zero_comm(k) repeated, no hashing (a 512MiB CC tree_d was 8 s of SHA-256
// calls, on the rebuild's critical path before PC1).
void fill_zero_levels(unsigned height, std::vector<std::vector<uint8_t>> &levels)
{
    for (unsigned k = 1; k <= height; ++k) {
        const Bytes32 node = zero_comm(k);
        for (size_t off = 0; off < levels[k].size(); off += 32) std::memcpy(levels[k].data() + off, node.data(), 32);
    }
}

Status build_tree_d(const dmc_call *call, dmc_tree_d_args *args)
{
    const uint64_t sector_size = args->sector_size;
    if (sector_size < 32 || (sector_size & (sector_size - 1)) != 0)
        return make_error(Errc::invalid_argument,
                          "tree_d: sector size " + std::to_string(sector_size) + " is not a power of two >= 32");
    if (!args->staged_path || !*args->staged_path)
        return make_error(Errc::invalid_argument, "tree_d: no staged_path given");
    if (!args->tree_d_path || !*args->tree_d_path)
        return make_error(Errc::invalid_argument, "tree_d: no tree_d_path given");

    MappedFile staged;
    DMC_TRY_ASSIGN(staged, MappedFile::open_read(args->staged_path));
    if (staged.size() > sector_size)
        return make_error(Errc::invalid_argument, "tree_d: staged file " + std::string(args->staged_path) + " has " +
                                                      std::to_string(staged.size()) +
                                                      " bytes, more than the sector size " +
                                                      std::to_string(sector_size));
    staged.advise_sequential();

    const uint64_t nodes = sector_size / 32;
    const unsigned tree_height = 63u - static_cast<unsigned>(__builtin_clzll(nodes));
    const unsigned threads = std::max(1u, call->threads);
    // Chunks of 2^17 leaves (4 MiB), 2^20 (32 MiB) when several threads share one.
    const unsigned chunk_height = std::min(tree_height, threads > 1 ? 20u : 17u);
    const uint64_t chunk_nodes = uint64_t(1) << chunk_height;
    const uint64_t chunks = nodes / chunk_nodes;
    unsigned parts = 1;
    while (parts * 2 <= threads && parts * 2 <= chunk_nodes) parts *= 2;

    AtomicFileWriter out;
    DMC_TRY_ASSIGN(out, AtomicFileWriter::create(args->tree_d_path));
    std::vector<LevelSink> sinks;
    uint64_t offset = 0;
    for (unsigned k = 0; k <= tree_height; ++k) {
        sinks.emplace_back(out, offset);
        offset += (nodes >> k) * 32;
    }

    std::vector<uint8_t> leaves(chunk_nodes * 32);
    std::vector<std::vector<uint8_t>> levels(chunk_height + 1);
    for (unsigned k = 1; k <= chunk_height; ++k) levels[k].resize((chunk_nodes >> k) * 32);
    std::vector<uint8_t> chunk_roots(chunks * 32);

    for (uint64_t c = 0; c < chunks; ++c) {
        if (plugin::cancel_requested(call)) return make_error(Errc::cancelled, "tree_d: cancelled");
        const uint64_t begin = c * chunk_nodes * 32;
        const uint64_t have = begin < staged.size() ? std::min<uint64_t>(leaves.size(), staged.size() - begin) : 0;
        if (have > 0) std::memcpy(leaves.data(), staged.data() + begin, have);
        std::memset(leaves.data() + have, 0, leaves.size() - have);
        DMC_TRY_VOID(sinks[0].append(leaves.data(), leaves.size()));
        if (chunk_height > 0) {
            if (is_zero(leaves.data(), have))
                fill_zero_levels(chunk_height, levels);
            else
                hash_chunk(leaves.data(), chunk_height, levels, parts);
            for (unsigned k = 1; k <= chunk_height; ++k)
                DMC_TRY_VOID(sinks[k].append(levels[k].data(), levels[k].size()));
            std::memcpy(chunk_roots.data() + c * 32, levels[chunk_height].data(), 32);
        } else {
            std::memcpy(chunk_roots.data() + c * 32, leaves.data(), 32);
        }
        if (call->progress) call->progress(call->progress_user, (c + 1) * chunk_nodes, nodes);
    }
    // Levels above the chunks, from the chunk roots (in place).
    for (unsigned k = chunk_height + 1; k <= tree_height; ++k) {
        const uint64_t n = nodes >> k;
        sha254_level(chunk_roots.data(), chunk_roots.data(), n);
        DMC_TRY_VOID(sinks[k].append(chunk_roots.data(), n * 32));
    }
    for (auto &sink : sinks) DMC_TRY_VOID(sink.flush());
    DMC_TRY_VOID(out.commit());
    std::memcpy(args->comm_d, chunk_roots.data(), 32);
    return {};
}

dmc_status run_tree_d(const dmc_call *call, dmc_tree_d_args *args) noexcept
{
    return plugin::run_stage(call, "tree_d", [&]() -> Status {
        if (!args || args->struct_size < sizeof(dmc_tree_d_args))
            return make_error(Errc::invalid_argument,
                              "tree_d: args struct is missing or older than this plugin (struct_size too small)");
        return build_tree_d(call, args);
    });
}

} // namespace

extern const dmc_tree_d_ops kCpuTreeDOps = {sizeof(dmc_tree_d_ops), 0, &run_tree_d};

} // namespace dmc::cpu
