// SPDX-License-Identifier: Apache-2.0
//
// The Poseidon trees of PC2 (docs/algorithms.md §10.3-§10.7) with the
// 8-lane IFMA Poseidon: column hashes (tree_c leaves) and arity-8 base
// trees, written in exactly the layouts of the sdk builders
// (damocles/sdk/tree_files.hpp), so the files are byte-identical to the cpu
// plugin's.
//
// Batching: 8 consecutive nodes of a row form a group, one lane each. The 8
// children of a parent are then one whole group, so the 8 parents of a
// parent group take their inputs from 8 child groups through an 8x8 lane
// transpose. Work is cut into chunks of 8^h leaves (h = max(first_row, 4),
// at most the tree height) hashed up to row h in per-thread scratch; the
// rows above the chunks (a tiny fraction) are hashed at the end. Rows below
// first_row are never stored anywhere.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>

#include "damocles/sdk/fr.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc::avx512 {

struct IfmaTreeOptions {
    unsigned threads = 1;
    const std::atomic<bool> *cancel = nullptr;
    // Hashes done so far (leaf hashes of column mode included), on the calling thread.
    std::function<void(uint64_t done)> progress;
};

// The leaves of one base tree: column hashes over label layers (column mode,
// layers[l] = node 0 of the range in layer l+1), or canonical leaf bytes.
struct TreeLeaves {
    std::span<const uint8_t *const> layers;
    const uint8_t *bytes = nullptr;
};

// Hashes counted by build_base_tree_ifma's progress for a tree of n leaves.
uint64_t ifma_tree_work(uint64_t leaves, bool column_mode);

// Builds one base tree of `leaf_count` = 8^k leaves and writes rows
// first_row..k to `out` in the stored layout (first_row = 0 stores the
// column hashes as row 0; `out` must not overlap the inputs). Returns the
// root. Leaves (or labels) >= r are an error, as in the sdk builders.
Result<Fr> build_base_tree_ifma(const TreeLeaves &leaves, uint64_t leaf_count, uint8_t *out, unsigned first_row,
                                const IfmaTreeOptions &options);

// Column hashes only (for tests and 11-layer checks): out[v] =
// Poseidon_L(layers[0][v], ..., layers[L-1][v]) for v < count (count % 8 == 0).
Status hash_columns_ifma(std::span<const uint8_t *const> layers, uint64_t count, uint8_t *out);

} // namespace dmc::avx512
