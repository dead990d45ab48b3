// SPDX-License-Identifier: Apache-2.0
//
// Building the Poseidon trees of PC2 and SnapDeals (docs/algorithms.md
// §10.3-§10.8): column hashes (tree_c leaves), arity-8 base trees written in the
// full or level-cache layout, compound roots and comm_r.
//
// Everything works on caller-provided memory (typically mmapped files, so
// 32GiB sectors with 8 base trees of 2^27 leaves are fine): the builders only
// allocate small per-chunk scratch space. Leaves are 32-byte canonical LE
// field elements; a leaf >= r is an error, never reduced.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>

#include "damocles/sdk/fr.hpp"
#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/result.hpp"
#include "damocles/sdk/tree_files.hpp"

namespace dmc {

struct TreeBuildOptions {
    // Worker threads including the caller; 0 = all hardware threads.
    unsigned threads = 1;
    // (hashes done, hashes in total); called on the calling thread only.
    std::function<void(uint64_t done, uint64_t total)> progress;
    // Polled between work units; when it becomes true the call returns
    // Errc::cancelled (output buffers then hold partial data).
    const std::atomic<bool> *cancel = nullptr;
};

// Column hashes (§10.5): out node v = Poseidon_L(layers[0][v], ..., layers[L-1][v])
// for v in [0, count), L = layers.size() (2 or 11). layers[l] points at node 0
// of the range in label file l+1.
Status hash_columns(std::span<const uint8_t *const> layers, uint64_t count, uint8_t *out,
                    const TreeBuildOptions &options = {});

// One base tree (§10.3) over leaf_count = 8^k leaves. Rows first_row..k are
// written to `out` in the stored layout of tree_files.hpp (first_row = 0: the
// full tree-c layout; first_row = rows_to_discard + 1: the tree-r-last level
// cache). `out` may be null (only the root is wanted). With first_row = 0,
// `out` may equal `leaves` (row 0 already in place); otherwise out must not
// overlap leaves. Returns the root.
Result<Fr> build_base_tree(const uint8_t *leaves, uint64_t leaf_count, uint8_t *out, unsigned first_row,
                           const TreeBuildOptions &options = {});

// Root of a compound tree (§10.4) from its base_tree_count() base roots:
// (8,0,0) -> the root itself; (8,S,0) -> Poseidon_S(roots); (8,S,T) ->
// Poseidon_T of the Poseidon_S roots of contiguous groups of S.
Result<Fr> compound_root(const TreeShape &shape, std::span<const Fr> base_roots);

// comm_r = Poseidon_2(comm_c, comm_r_last) (§10.8).
Fr comm_r_from(const Fr &comm_c, const Fr &comm_r_last);

} // namespace dmc
