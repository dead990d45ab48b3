// SPDX-License-Identifier: Apache-2.0
//
// Streaming one arity-8 base tree through a TreeEngine (the CUDA one in the
// plugin, a host emulation in tests) (docs/algorithms.md §10.3, §10.5,
// §10.7): the base range is cut into chunks of 8^h leaves (8^h = the engine's
// chunk_leaves, at most the whole tree; h >= first_row, so discarded rows
// never leave the device); each chunk's leaves are copied
// from the memory-mapped inputs into pinned memory, made into row 0 on the
// device, hashed up to row h there, and the rows the layout stores are
// written at their offsets in the tree file (pwrite into the AtomicFileWriter
// temporary). The chunk roots (n / 8^h of them: 512 for a 32GiB base tree)
// then go through the engine once more for rows h+1..k.
//
// Host memory: the pinned chunk buffers; device memory: the engine's
// buffers. Neither depends on the sector size.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cuda_tree.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/fr.hpp"
#include "damocles/sdk/result.hpp"
#include "damocles/sdk/stage_support.hpp"
#include "damocles/sdk/tree_files.hpp"

namespace dmc::gpu {

// 8^6 = 262144 leaves (8 MiB per input slot) per chunk: enough threads to fill
// a large GPU, small enough that 11 layer slots stay under 100 MiB pinned.
inline constexpr unsigned kGpuChunkHeight = 6;

// Chunk leaves of the CUDA engine for base trees of `leaves` leaves: 8^h with
// h = max(first_row, kGpuChunkHeight), at most the tree height.
uint64_t gpu_chunk_leaves(uint64_t leaves, unsigned first_row);

// Where row 0 of a base tree comes from.
struct TreeLeafSource {
    enum class Kind { columns, leaves, encode, encode_cc };
    Kind kind = Kind::leaves;
    // columns: node 0 of the base range in each layer file (2 or 11 layers).
    std::vector<const uint8_t *> layers;
    // leaves: node 0 of the base range of the replica; encode*: of the key (last layer).
    const uint8_t *nodes = nullptr;
    // encode: the staged data and its length in bytes (shorter than the
    // sector: zero-extended), and the node index of the base range in the sector.
    const uint8_t *data = nullptr;
    uint64_t data_bytes = 0;
    uint64_t first_node = 0;
    // encode*: the replica temporary the encoded nodes are written to.
    AtomicFileWriter *replica = nullptr;
};

// Builds the base tree `tree` over `source`, writes rows
// first_row..k into `tree_file` (already sized), returns the root. Progress:
// leaves + tree hashes of this tree, reported from `base`.
Result<Fr> build_base_tree_gpu(TreeEngine &engine, const TreeLeafSource &source, const BaseTreeGeometry &tree,
                               unsigned first_row, AtomicFileWriter &tree_file, plugin::ProgressRelay &progress,
                               uint64_t base);

} // namespace dmc::gpu
