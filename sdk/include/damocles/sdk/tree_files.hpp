// SPDX-License-Identifier: Apache-2.0
//
// Geometry and on-disk layout of the Poseidon trees of a sector
// (docs/algorithms.md §10.2, §10.3, §10.7, docs/file-formats.md §2): rows of an arity-8 base
// tree, the full (DiskStore) and level-cache layouts, the default
// rows_to_discard, cache file names and expected sizes per sector size.
//
// A stored layout holds rows first_row..k of a base tree back to back, lowest
// row first, root last, 32-byte LE nodes, no header. tree-c files are the full
// layout (first_row = 0); tree-r-last files are the level cache
// (first_row = rows_to_discard + 1: the leaf row is the replica itself).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "damocles/sdk/file.hpp"
#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc {

inline constexpr unsigned kTreeArity = 8;
inline constexpr uint64_t kNodeBytes = 32;
// FIL_PROOFS_ROWS_TO_DISCARD default (storage-proofs-core settings).
inline constexpr unsigned kDefaultMaxRowsToDiscard = 2;

struct BaseTreeGeometry {
    uint64_t leaves = 1; // n = 8^height
    unsigned height = 0; // k: rows are 0..k, row k is the root

    // n must be a power of 8 (1, 8, 64, ...).
    static Result<BaseTreeGeometry> for_leaves(uint64_t leaves);

    unsigned rows() const { return height + 1; }
    uint64_t row_nodes(unsigned row) const { return leaves >> (3 * row); }
    // Nodes of the full tree: (8n - 1) / 7.
    uint64_t total_nodes() const { return stored_nodes(0); }
    // Nodes of a layout holding rows first_row..k.
    uint64_t stored_nodes(unsigned first_row) const;
    // Offset (in nodes) of `row` inside a layout that starts at first_row <= row.
    uint64_t row_offset(unsigned row, unsigned first_row) const;
};

// storage-proofs-core default_rows_to_discard for arity 8: rows = k + 1;
// rows <= 2 -> 0, rows = 3 -> 1, else min(rows - 2, max_rows_to_discard).
unsigned default_rows_to_discard(uint64_t base_tree_leaves, unsigned max_rows_to_discard = kDefaultMaxRowsToDiscard);

// Nodes of a tree-r-last level-cache file (rows rows_to_discard+1..k).
uint64_t level_cache_nodes(const BaseTreeGeometry &tree, unsigned rows_to_discard);

// "sc-02-data-<id>.dat" (store format version 2).
std::string store_file_name(std::string_view id);
// tree-c / tree-r-last files: no suffix for one base tree, "-<i>" otherwise.
std::vector<std::string> tree_c_file_names(uint32_t base_tree_count);
std::vector<std::string> tree_r_last_file_names(uint32_t base_tree_count);
// sc-02-data-layer-1.dat .. layer-<layers>.dat
std::vector<std::string> label_file_names(uint32_t layers);
std::string tree_d_file_name();

inline constexpr const char *kPAuxFileName = "p_aux";
inline constexpr const char *kTAuxFileName = "t_aux";

// Everything PC2 writes for one sector size (vector tree_shapes_and_file_sizes).
struct SectorTreeLayout {
    uint64_t sector_size = 0;
    uint64_t nodes = 0;
    uint32_t layers = 0;
    uint32_t column_arity = 0; // = layers
    TreeShape shape;
    uint32_t base_tree_count = 0;
    BaseTreeGeometry base_tree;
    unsigned rows_to_discard = 0; // tree-r-last
    uint64_t tree_r_last_file_nodes = 0;
    uint64_t tree_r_last_file_bytes = 0;
    uint64_t tree_c_file_nodes = 0; // = base_tree.total_nodes()
    uint64_t tree_c_file_bytes = 0;
    uint64_t tree_d_nodes = 0; // 2N - 1
    uint64_t tree_d_file_bytes = 0;
    std::vector<std::string> tree_c_files;
    std::vector<std::string> tree_r_last_files;
    std::vector<std::string> label_files;
};

// Layout of a registered sector size (layers and shape from the proof table).
// rows_to_discard defaults to default_rows_to_discard(); pass the value of
// t_aux when reading an existing sector.
Result<SectorTreeLayout> sector_tree_layout(uint64_t sector_size, std::optional<unsigned> rows_to_discard = {});

// The layout's label layers in `cache_dir`, mapped for sequential reading;
// a missing file or one of the wrong size is an error naming it (tree_c
// stages read all of them).
Result<std::vector<MappedFile>> open_label_layers(const std::string &cache_dir, const SectorTreeLayout &layout);

} // namespace dmc
