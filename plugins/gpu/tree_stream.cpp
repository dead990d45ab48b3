// SPDX-License-Identifier: Apache-2.0
#include "tree_stream.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <span>
#include <string>

namespace dmc::gpu {

namespace {

Error device_error(const std::string &what) { return make_error(Errc::device, "CUDA: " + what); }

// The sdk builders' wording (poseidon_tree.cpp, replica_encoding.cpp, the cpu
// stage's CC check), so a bad input fails the same way on every plugin.
Error not_canonical(const std::string &what, uint64_t index)
{
    return make_error(Errc::invalid_argument, what + " " + std::to_string(index) +
                                                  " is not a canonical field element (value >= r); "
                                                  "the input file is corrupt or not a sealing file");
}

Error bad_encoding_input(bool with_data, const BadInput &bad, uint64_t node)
{
    if (!with_data)
        return make_error(Errc::corrupt, "label of node " + std::to_string(node) + " is not a field element");
    return make_error(Errc::invalid_argument, std::string(bad.source == 0 ? "key (last layer)" : "data") + " node " +
                                                  std::to_string(node) +
                                                  " is not a canonical field element (value >= r)");
}

Status write_row(AtomicFileWriter &file, const BaseTreeGeometry &tree, unsigned row, unsigned first_row,
                 uint64_t first_index, const uint8_t *nodes, uint64_t count)
{
    const uint64_t offset = kNodeBytes * (tree.row_offset(row, first_row) + first_index);
    return file.write_at(offset, std::span<const uint8_t>(nodes, count * kNodeBytes));
}

// Row 0 of chunk `chunk` (count leaves) on the device; encode sources also
// write the encoded nodes to the replica temporary.
Status make_row0(TreeEngine &engine, const TreeLeafSource &source, uint64_t chunk, uint64_t count)
{
    const uint64_t first = chunk * count;
    const uint64_t bytes = count * kNodeBytes;
    BadInput bad;
    std::string err;
    switch (source.kind) {
    case TreeLeafSource::Kind::columns: {
        const auto layers = static_cast<unsigned>(source.layers.size());
        for (unsigned l = 0; l < layers; ++l)
            std::memcpy(engine.input(l), source.layers[l] + first * kNodeBytes, bytes);
        err = engine.column_hashes(layers, count, bad);
        if (!err.empty()) return device_error(err);
        if (bad.found)
            return not_canonical("node of layer " + std::to_string(bad.source + 1) + " at index", first + bad.index);
        return {};
    }
    case TreeLeafSource::Kind::leaves:
        std::memcpy(engine.input(0), source.nodes + first * kNodeBytes, bytes);
        err = engine.leaves(count, bad);
        if (!err.empty()) return device_error(err);
        if (bad.found) return not_canonical("leaf", first + bad.index);
        return {};
    case TreeLeafSource::Kind::encode:
    case TreeLeafSource::Kind::encode_cc: {
        std::memcpy(engine.input(0), source.nodes + first * kNodeBytes, bytes);
        // As the cpu stage: data shorter than the sector is zero-extended; a
        // chunk wholly past its end is the CC case (replica = key).
        const uint64_t data_at = (source.first_node + first) * kNodeBytes;
        const bool with_data = source.kind == TreeLeafSource::Kind::encode && source.data_bytes > data_at;
        if (with_data) {
            const uint64_t available = std::min(bytes, source.data_bytes - data_at);
            std::memcpy(engine.input(1), source.data + data_at, available);
            std::memset(engine.input(1) + available, 0, bytes - available);
        }
        err = engine.encode(count, with_data, bad);
        if (!err.empty()) return device_error(err);
        if (bad.found) return bad_encoding_input(with_data, bad, source.first_node + first + bad.index);
        err = engine.download_row(0);
        if (!err.empty()) return device_error(err);
        return source.replica->write_at(data_at, std::span<const uint8_t>(engine.output(), bytes));
    }
    }
    return make_error(Errc::internal, "unknown leaf source");
}

} // namespace

uint64_t gpu_chunk_leaves(uint64_t leaves, unsigned first_row)
{
    unsigned height = 0;
    while ((uint64_t{1} << (3 * height)) < leaves) ++height;
    const unsigned chunk_height = std::min(height, std::max(first_row, kGpuChunkHeight));
    return uint64_t{1} << (3 * chunk_height);
}

Result<Fr> build_base_tree_gpu(TreeEngine &engine, const TreeLeafSource &source, const BaseTreeGeometry &tree,
                               unsigned first_row, AtomicFileWriter &tree_file, plugin::ProgressRelay &progress,
                               uint64_t base)
{
    unsigned engine_height = 0;
    while ((uint64_t{8} << (3 * engine_height)) <= engine.chunk_leaves()) ++engine_height;
    const unsigned height = std::min(tree.height, engine_height);
    const uint64_t chunk_leaves = uint64_t{1} << (3 * height);
    if (first_row > height)
        return make_error(Errc::internal, "GPU engine chunks are smaller than the discarded rows of this tree");
    const uint64_t chunks = tree.leaves / chunk_leaves;
    if (chunks > engine.chunk_leaves())
        return make_error(Errc::unsupported,
                          "base tree of " + std::to_string(tree.leaves) + " leaves is too tall for the GPU chunking");
    const uint64_t work_per_chunk = chunk_leaves + (chunk_leaves - 1) / 7;
    std::vector<uint8_t> chunk_roots(chunks * kNodeBytes);
    std::string err;

    for (uint64_t chunk = 0; chunk < chunks; ++chunk) {
        if (progress.cancelled()) return make_error(Errc::cancelled, "cancelled");
        DMC_TRY_VOID(make_row0(engine, source, chunk, chunk_leaves));
        err = engine.hash_rows(height);
        if (!err.empty()) return device_error(err);
        // height >= first_row: row `height` (the chunk root) is always stored.
        for (unsigned row = first_row; row <= height; ++row) {
            err = engine.download_row(row);
            if (!err.empty()) return device_error(err);
            const uint64_t nodes = chunk_leaves >> (3 * row);
            DMC_TRY_VOID(write_row(tree_file, tree, row, first_row, chunk * nodes, engine.output(), nodes));
        }
        std::memcpy(chunk_roots.data() + chunk * kNodeBytes, engine.output(), kNodeBytes);
        progress.report(base, (chunk + 1) * work_per_chunk);
    }

    // Rows above the chunks: the chunk roots are the leaves of a small tree.
    std::memcpy(engine.input(0), chunk_roots.data(), chunk_roots.size());
    const uint8_t *root_bytes = chunk_roots.data();
    if (chunks > 1) {
        BadInput bad;
        err = engine.leaves(chunks, bad);
        if (err.empty() && bad.found) err = "chunk root " + std::to_string(bad.index) + " is not < r";
        if (err.empty()) err = engine.hash_rows(tree.height - height);
        if (!err.empty()) return device_error(err);
        for (unsigned row = height + 1; row <= tree.height; ++row) {
            err = engine.download_row(row - height);
            if (!err.empty()) return device_error(err);
            const uint64_t nodes = tree.leaves >> (3 * row);
            DMC_TRY_VOID(write_row(tree_file, tree, row, first_row, 0, engine.output(), nodes));
        }
        root_bytes = engine.output();
    }
    Fr root;
    if (!Fr::try_from_bytes(root_bytes, root)) return make_error(Errc::internal, "GPU tree root is not < r");
    progress.report(base, tree.leaves + (tree.leaves - 1) / 7);
    return root;
}

} // namespace dmc::gpu
