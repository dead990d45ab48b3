// SPDX-License-Identifier: Apache-2.0
//
// Poseidon tree builders (docs/algorithms.md §10.3-§10.5).
//
// A base tree is cut into chunks of 8^h leaves (h = max(first_row, 4), at
// most k): each work unit hashes its chunk up to row h in a small scratch
// buffer, writing the rows the caller stores; rows above h (n / 8^h nodes
// wide, a tiny fraction of the work) are then hashed on the calling thread.
// Because h >= first_row, the rows a level cache discards are never written
// anywhere, so no buffer of the size of row 1 is ever needed.
#include "damocles/sdk/poseidon_tree.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "damocles/sdk/poseidon.hpp"
#include "parallel.hpp"

namespace dmc {

namespace {

constexpr unsigned kMinChunkHeight = 4; // 4096 leaves per work unit
constexpr uint64_t kColumnChunkNodes = 4096;

Error not_canonical(const std::string &what, uint64_t index)
{
    return make_error(Errc::invalid_argument, what + " " + std::to_string(index) +
                                                  " is not a canonical field element (value >= r); "
                                                  "the input file is corrupt or not a sealing file");
}

class BaseTreeBuilder {
public:
    BaseTreeBuilder(const uint8_t *leaves, uint8_t *out, BaseTreeGeometry geometry, unsigned first_row)
        : leaves_(leaves), out_(out), geometry_(geometry), first_row_(first_row),
          chunk_height_(std::min(geometry.height, std::max(first_row, kMinChunkHeight))),
          chunk_roots_(geometry.leaves >> (3 * chunk_height_))
    {
        for (unsigned row = first_row; row <= geometry.height; ++row)
            row_offsets_[row] = geometry.row_offset(row, first_row);
    }

    uint64_t chunk_count() const { return chunk_roots_.size(); }
    uint64_t hashes_per_chunk() const { return ((1ull << (3 * chunk_height_)) - 1) / 7; }

    Status hash_chunk(uint64_t chunk)
    {
        const uint64_t width = 1ull << (3 * chunk_height_);
        const uint64_t first_leaf = chunk * width;
        if (stores(0) && out_ != leaves_) std::memcpy(node(0, first_leaf), leaves_ + 32 * first_leaf, 32 * width);
        if (chunk_height_ == 0) { // a single-leaf tree: the root is the leaf
            if (!Fr::try_from_bytes(leaves_ + 32 * first_leaf, chunk_roots_[chunk]))
                return not_canonical("leaf", first_leaf);
            return {};
        }
        std::vector<Fr> level(width / kTreeArity);
        Fr children[kTreeArity];
        for (uint64_t m = 0; m < level.size(); ++m) {
            for (unsigned c = 0; c < kTreeArity; ++c) {
                const uint64_t index = first_leaf + kTreeArity * m + c;
                if (!Fr::try_from_bytes(leaves_ + 32 * index, children[c])) return not_canonical("leaf", index);
            }
            level[m] = poseidon_hash(kTreeArity, children);
            if (stores(1)) level[m].to_bytes(node(1, chunk * level.size() + m));
        }
        for (unsigned row = 2; row <= chunk_height_; ++row) {
            const uint64_t count = width >> (3 * row);
            // In place: parent m reads children 8m..8m+7 >= m, all still unread.
            for (uint64_t m = 0; m < count; ++m) {
                level[m] = poseidon_hash(kTreeArity, std::span<const Fr>(&level[kTreeArity * m], kTreeArity));
                if (stores(row)) level[m].to_bytes(node(row, chunk * count + m));
            }
        }
        chunk_roots_[chunk] = level[0];
        return {};
    }

    // Rows above the chunks, from the chunk roots.
    Fr hash_upper_rows()
    {
        std::vector<Fr> level = chunk_roots_;
        for (unsigned row = chunk_height_ + 1; row <= geometry_.height; ++row) {
            const uint64_t count = level.size() / kTreeArity;
            for (uint64_t m = 0; m < count; ++m) {
                level[m] = poseidon_hash(kTreeArity, std::span<const Fr>(&level[kTreeArity * m], kTreeArity));
                if (stores(row)) level[m].to_bytes(node(row, m));
            }
            level.resize(count);
        }
        return level[0];
    }

private:
    const uint8_t *leaves_;
    uint8_t *out_;
    BaseTreeGeometry geometry_;
    unsigned first_row_;
    unsigned chunk_height_;
    std::vector<Fr> chunk_roots_;
    uint64_t row_offsets_[64] = {};

    bool stores(unsigned row) const { return out_ && row >= first_row_; }
    uint8_t *node(unsigned row, uint64_t index) const { return out_ + 32 * (row_offsets_[row] + index); }
};

} // namespace

Status hash_columns(std::span<const uint8_t *const> layers, uint64_t count, uint8_t *out,
                    const TreeBuildOptions &options)
{
    const size_t arity = layers.size();
    if (arity < 1 || arity > kPoseidonMaxArity)
        return make_error(Errc::invalid_argument,
                          "column hash over " + std::to_string(arity) + " layers is not supported");
    const uint64_t chunks = (count + kColumnChunkNodes - 1) / kColumnChunkNodes;
    const auto task = [&](uint64_t chunk) -> Status {
        const uint64_t first = chunk * kColumnChunkNodes, last = std::min(count, first + kColumnChunkNodes);
        std::vector<Fr> column(arity);
        for (uint64_t v = first; v < last; ++v) {
            for (size_t l = 0; l < arity; ++l) {
                if (!Fr::try_from_bytes(layers[l] + 32 * v, column[l]))
                    return not_canonical("node of layer " + std::to_string(l + 1) + " at index", v);
            }
            poseidon_hash(static_cast<unsigned>(arity), column).to_bytes(out + 32 * v);
        }
        return {};
    };
    const auto progress = [&](uint64_t chunks_done) {
        if (options.progress) options.progress(std::min(count, chunks_done * kColumnChunkNodes), count);
    };
    return field_detail::parallel_for(chunks, options.threads, task, options.cancel, progress);
}

Result<Fr> build_base_tree(const uint8_t *leaves, uint64_t leaf_count, uint8_t *out, unsigned first_row,
                           const TreeBuildOptions &options)
{
    DMC_TRY_ASSIGN(const BaseTreeGeometry geometry, BaseTreeGeometry::for_leaves(leaf_count));
    if (first_row > geometry.height)
        return make_error(Errc::invalid_argument, "first stored row " + std::to_string(first_row) +
                                                      " is above the root row " + std::to_string(geometry.height));
    if (out && out != leaves) {
        const uint8_t *out_end = out + 32 * geometry.stored_nodes(first_row), *leaves_end = leaves + 32 * leaf_count;
        if (out < leaves_end && leaves < out_end)
            return make_error(Errc::invalid_argument,
                              "tree output overlaps the leaves (only out == leaves is allowed)");
    }
    if (out == leaves && first_row != 0)
        return make_error(Errc::invalid_argument, "building in place needs the full layout (first row 0)");

    BaseTreeBuilder builder(leaves, out, geometry, first_row);
    const uint64_t total = (leaf_count - 1) / 7;
    const auto progress = [&](uint64_t chunks_done) {
        if (options.progress) options.progress(chunks_done * builder.hashes_per_chunk(), total);
    };
    DMC_TRY_VOID(field_detail::parallel_for(
        builder.chunk_count(), options.threads, [&](uint64_t chunk) { return builder.hash_chunk(chunk); },
        options.cancel, progress));
    const Fr root = builder.hash_upper_rows();
    if (options.progress) options.progress(total, total);
    return root;
}

Result<Fr> compound_root(const TreeShape &shape, std::span<const Fr> base_roots)
{
    if (shape.base_arity != kTreeArity)
        return make_error(Errc::unsupported,
                          "only base arity 8 trees exist in Filecoin, got " + std::to_string(shape.base_arity));
    if (base_roots.size() != shape.base_tree_count())
        return make_error(Errc::invalid_argument, "shape needs " + std::to_string(shape.base_tree_count()) +
                                                      " base roots, got " + std::to_string(base_roots.size()));
    if (shape.sub_arity == 0) {
        if (shape.top_arity != 0) return make_error(Errc::invalid_argument, "a top arity needs a sub arity");
        return base_roots[0];
    }
    if (shape.top_arity == 0) return poseidon_hash(shape.sub_arity, base_roots);
    std::vector<Fr> sub_roots;
    for (uint32_t group = 0; group < shape.top_arity; ++group)
        sub_roots.push_back(
            poseidon_hash(shape.sub_arity, base_roots.subspan(group * shape.sub_arity, shape.sub_arity)));
    return poseidon_hash(shape.top_arity, sub_roots);
}

Fr comm_r_from(const Fr &comm_c, const Fr &comm_r_last) { return poseidon_hash2(comm_c, comm_r_last); }

} // namespace dmc
