// SPDX-License-Identifier: Apache-2.0
//
// Poseidon tree geometry, cache file names and sizes (docs/algorithms.md
// §10.2, §10.3, §10.7, docs/file-formats.md §2; merkletree get_merkle_tree_len /
// get_merkle_tree_cache_size, storage-proofs-core default_rows_to_discard).
#include "damocles/sdk/tree_files.hpp"

#include <algorithm>

namespace dmc {

Result<BaseTreeGeometry> BaseTreeGeometry::for_leaves(uint64_t leaves)
{
    BaseTreeGeometry g;
    g.leaves = leaves;
    uint64_t n = leaves;
    while (n > 1 && n % kTreeArity == 0) {
        n /= kTreeArity;
        ++g.height;
    }
    if (leaves == 0 || n != 1)
        return make_error(Errc::invalid_argument,
                          "a base tree of arity 8 needs a power of 8 leaves, got " + std::to_string(leaves));
    return g;
}

uint64_t BaseTreeGeometry::stored_nodes(unsigned first_row) const
{
    uint64_t total = 0;
    for (unsigned row = first_row; row <= height; ++row) total += row_nodes(row);
    return total;
}

uint64_t BaseTreeGeometry::row_offset(unsigned row, unsigned first_row) const
{
    uint64_t offset = 0;
    for (unsigned r = first_row; r < row; ++r) offset += row_nodes(r);
    return offset;
}

unsigned default_rows_to_discard(uint64_t base_tree_leaves, unsigned max_rows_to_discard)
{
    auto geometry = BaseTreeGeometry::for_leaves(base_tree_leaves);
    const unsigned rows = geometry ? geometry->rows() : 1;
    if (rows <= 2) return 0;
    if (rows == 3) return 1;
    return std::min(rows - 2, max_rows_to_discard);
}

uint64_t level_cache_nodes(const BaseTreeGeometry &tree, unsigned rows_to_discard)
{
    return tree.stored_nodes(rows_to_discard + 1);
}

std::string store_file_name(std::string_view id) { return "sc-02-data-" + std::string(id) + ".dat"; }

namespace {

std::vector<std::string> per_base_tree_names(const char *id, uint32_t base_tree_count)
{
    if (base_tree_count <= 1) return {store_file_name(id)};
    std::vector<std::string> names;
    for (uint32_t i = 0; i < base_tree_count; ++i)
        names.push_back(store_file_name(std::string(id) + "-" + std::to_string(i)));
    return names;
}

} // namespace

std::vector<std::string> tree_c_file_names(uint32_t base_tree_count)
{
    return per_base_tree_names("tree-c", base_tree_count);
}

std::vector<std::string> tree_r_last_file_names(uint32_t base_tree_count)
{
    return per_base_tree_names("tree-r-last", base_tree_count);
}

std::vector<std::string> label_file_names(uint32_t layers)
{
    std::vector<std::string> names;
    for (uint32_t l = 1; l <= layers; ++l) names.push_back(store_file_name("layer-" + std::to_string(l)));
    return names;
}

std::string tree_d_file_name() { return store_file_name("tree-d"); }

Result<SectorTreeLayout> sector_tree_layout(uint64_t sector_size, std::optional<unsigned> rows_to_discard)
{
    const SealProof *proof = nullptr;
    for (const SealProof &p : all_seal_proofs()) {
        if (p.sector_size == sector_size) {
            proof = &p;
            break;
        }
    }
    if (!proof)
        return make_error(Errc::invalid_argument, "no registered seal proof has sector size " +
                                                      std::to_string(sector_size) +
                                                      " bytes (2KiB, 8MiB, 512MiB, 32GiB, 64GiB)");
    SectorTreeLayout layout;
    layout.sector_size = sector_size;
    layout.nodes = sector_size / kNodeBytes;
    layout.layers = proof->layers;
    layout.column_arity = proof->layers;
    layout.shape = proof->shape;
    layout.base_tree_count = proof->shape.base_tree_count();
    DMC_TRY_ASSIGN(layout.base_tree, BaseTreeGeometry::for_leaves(layout.nodes / layout.base_tree_count));
    layout.rows_to_discard = rows_to_discard.value_or(default_rows_to_discard(layout.base_tree.leaves));
    if (layout.rows_to_discard + 1 > layout.base_tree.height)
        return make_error(Errc::invalid_argument, "rows_to_discard " + std::to_string(layout.rows_to_discard) +
                                                      " leaves no cached row in a tree of " +
                                                      std::to_string(layout.base_tree.rows()) + " rows");
    layout.tree_r_last_file_nodes = level_cache_nodes(layout.base_tree, layout.rows_to_discard);
    layout.tree_r_last_file_bytes = layout.tree_r_last_file_nodes * kNodeBytes;
    layout.tree_c_file_nodes = layout.base_tree.total_nodes();
    layout.tree_c_file_bytes = layout.tree_c_file_nodes * kNodeBytes;
    layout.tree_d_nodes = 2 * layout.nodes - 1;
    layout.tree_d_file_bytes = layout.tree_d_nodes * kNodeBytes;
    layout.tree_c_files = tree_c_file_names(layout.base_tree_count);
    layout.tree_r_last_files = tree_r_last_file_names(layout.base_tree_count);
    layout.label_files = label_file_names(layout.layers);
    return layout;
}

Result<std::vector<MappedFile>> open_label_layers(const std::string &cache_dir, const SectorTreeLayout &layout)
{
    std::vector<MappedFile> layers;
    for (const auto &name : layout.label_files) {
        const std::string path = cache_dir + "/" + name;
        MappedFile m;
        DMC_TRY_ASSIGN(m, MappedFile::open_read(path));
        if (m.size() != layout.nodes * 32)
            return make_error(Errc::corrupt, path + " has " + std::to_string(m.size()) + " bytes, expected " +
                                                 std::to_string(layout.nodes * 32));
        m.advise_sequential();
        layers.push_back(std::move(m));
    }
    return layers;
}

} // namespace dmc
