// SPDX-License-Identifier: Apache-2.0
#include "tree_builder_ifma.hpp"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "damocles/sdk/tree_files.hpp"
#include "poseidon_ifma.hpp"

namespace dmc::avx512 {

namespace {

using namespace ifma;

constexpr unsigned kMinChunkHeight = 4; // 4096 leaves per work unit, as the sdk builder

// 8 lanes of an FrVec in memory (lane access for chunk roots, gathers).
struct alignas(64) Group {
    uint64_t l[kLimbs][8];
};

FrVec load_group(const Group &g)
{
    FrVec v;
    for (unsigned i = 0; i < kLimbs; ++i) v.l[i] = _mm512_load_si512(g.l[i]);
    return v;
}

void store_group(Group &g, const FrVec &v)
{
    for (unsigned i = 0; i < kLimbs; ++i) _mm512_store_si512(g.l[i], v.l[i]);
}

unsigned lanes_of(uint64_t remaining) { return static_cast<unsigned>(std::min<uint64_t>(8, remaining)); }

Error not_canonical(const std::string &what, uint64_t index)
{
    return make_error(Errc::invalid_argument, what + " " + std::to_string(index) +
                                                  " is not a canonical field element (value >= r); "
                                                  "the input file is corrupt or not a sealing file");
}

// The leaf group of nodes first..first+lanes-1 (relative to the tree's range).
Status leaf_group(const TreeLeaves &leaves, const PoseidonIfmaConstants *columns, uint64_t first, unsigned lanes,
                  FrVec &out)
{
    if (!columns) {
        FrVec canonical;
        const __mmask8 bad = load_canonical(leaves.bytes + 32 * first, lanes, canonical);
        if (bad) return not_canonical("leaf", first + static_cast<unsigned>(__builtin_ctz(bad)));
        out = to_montgomery(canonical);
        return {};
    }
    FrVec inputs[16];
    for (size_t l = 0; l < leaves.layers.size(); ++l) {
        FrVec canonical;
        const __mmask8 bad = load_canonical(leaves.layers[l] + 32 * first, lanes, canonical);
        if (bad)
            return not_canonical("node of layer " + std::to_string(l + 1) + " at index",
                                 first + static_cast<unsigned>(__builtin_ctz(bad)));
        inputs[l] = to_montgomery(canonical);
    }
    out = poseidon_hash8(*columns, inputs);
    return {};
}

// Parents of `children` nodes held in groups (children % 8 == 0): parent
// group P from child groups 8P..8P+7, lane j of input i = child group 8P+j,
// lane i. May run in place (parent == child): parent group P is written after
// child groups up to 8P+7 were read, and child group P was read earlier.
void hash_row(const Group *child, uint64_t children, Group *parent, const PoseidonIfmaConstants &arity8,
              uint8_t *stored)
{
    const uint64_t parents = children / 8;
    for (uint64_t p = 0; p * 8 < parents; ++p) {
        const unsigned lanes = lanes_of(parents - 8 * p);
        const __mmask8 mask = lanes >= 8 ? __mmask8(0xff) : __mmask8((1u << lanes) - 1);
        const auto *base = reinterpret_cast<const uint8_t *>(child + 8 * p);
        FrVec inputs[8];
        for (unsigned i = 0; i < 8; ++i)
            for (unsigned limb = 0; limb < kLimbs; ++limb) {
                const __m512i offsets =
                    _mm512_add_epi64(_mm512_mullo_epi64(_mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0),
                                                        _mm512_set1_epi64(static_cast<long long>(sizeof(Group)))),
                                     _mm512_set1_epi64(static_cast<long long>(limb * 64 + i * 8)));
                inputs[i].l[limb] = _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), mask, offsets, base, 1);
            }
        const FrVec hash = poseidon_hash8(arity8, inputs);
        store_group(parent[p], hash);
        if (stored) store_canonical(to_canonical(hash), lanes, stored + 32 * 8 * p);
    }
}

class Builder {
public:
    Builder(const TreeLeaves &leaves, BaseTreeGeometry geometry, uint8_t *out, unsigned first_row)
        : leaves_(leaves), geometry_(geometry), out_(out), first_row_(first_row),
          chunk_height_(std::min(geometry.height, std::max(first_row, kMinChunkHeight))),
          arity8_(poseidon_ifma_constants(8)),
          columns_(leaves.layers.empty() ? nullptr
                                         : &poseidon_ifma_constants(static_cast<unsigned>(leaves.layers.size()))),
          chunk_roots_((geometry.leaves >> (3 * chunk_height_)) / 8 + 1)
    {
    }

    uint64_t chunks() const { return geometry_.leaves >> (3 * chunk_height_); }
    uint64_t chunk_work() const
    {
        const uint64_t width = uint64_t(1) << (3 * chunk_height_);
        return (columns_ ? width : 0) + (width - 1) / 7;
    }

    Status hash_chunk(uint64_t chunk, std::vector<Group> &scratch)
    {
        const uint64_t width = uint64_t(1) << (3 * chunk_height_);
        const uint64_t first = chunk * width;
        const uint64_t groups = (width + 7) / 8;
        scratch.resize(groups);
        for (uint64_t g = 0; g < groups; ++g) {
            const unsigned lanes = lanes_of(width - 8 * g);
            FrVec leaf;
            DMC_TRY_VOID(leaf_group(leaves_, columns_, first + 8 * g, lanes, leaf));
            store_group(scratch[g], leaf);
            if (stores(0)) {
                if (columns_)
                    store_canonical(to_canonical(leaf), lanes, node(0, first + 8 * g));
                else if (node(0, first + 8 * g) != leaves_.bytes + 32 * (first + 8 * g))
                    std::memcpy(node(0, first + 8 * g), leaves_.bytes + 32 * (first + 8 * g), 32 * lanes);
            }
        }
        for (unsigned row = 1; row <= chunk_height_; ++row) {
            const uint64_t children = width >> (3 * (row - 1));
            hash_row(scratch.data(), children, scratch.data(), arity8_,
                     stores(row) ? node(row, chunk * (width >> (3 * row))) : nullptr);
        }
        std::lock_guard lock(roots_mutex_);
        for (unsigned i = 0; i < kLimbs; ++i) chunk_roots_[chunk / 8].l[i][chunk % 8] = scratch[0].l[i][0];
        return {};
    }

    // Rows above the chunks; returns the root's canonical bytes.
    Bytes32 hash_upper_rows()
    {
        uint64_t count = chunks();
        for (unsigned row = chunk_height_ + 1; row <= geometry_.height; ++row) {
            hash_row(chunk_roots_.data(), count, chunk_roots_.data(), arity8_, stores(row) ? node(row, 0) : nullptr);
            count /= 8;
        }
        uint8_t bytes[32 * 8];
        store_canonical(to_canonical(load_group(chunk_roots_[0])), 1, bytes);
        Bytes32 root;
        std::memcpy(root.data(), bytes, 32);
        return root;
    }

private:
    TreeLeaves leaves_;
    BaseTreeGeometry geometry_;
    uint8_t *out_;
    unsigned first_row_;
    unsigned chunk_height_;
    const PoseidonIfmaConstants &arity8_;
    const PoseidonIfmaConstants *columns_;
    std::vector<Group> chunk_roots_;
    std::mutex roots_mutex_;

    bool stores(unsigned row) const { return out_ && row >= first_row_; }
    uint8_t *node(unsigned row, uint64_t index) const
    {
        return out_ + 32 * (geometry_.row_offset(row, first_row_) + index);
    }
};

// task(i) for i in [0, count) on `threads` threads (the caller is one);
// stops at the first error or on cancel; progress on the calling thread.
Status parallel_chunks(uint64_t count, unsigned threads, const std::atomic<bool> *cancel,
                       const std::function<Status(uint64_t, std::vector<Group> &)> &task,
                       const std::function<void(uint64_t finished)> &on_progress)
{
    std::atomic<uint64_t> next{0}, finished{0};
    std::atomic<bool> stop{false};
    std::mutex error_mutex;
    Status first_error;
    auto worker = [&](bool reports) {
        std::vector<Group> scratch;
        for (;;) {
            if (stop.load(std::memory_order_relaxed)) return;
            if (cancel && cancel->load(std::memory_order_relaxed)) {
                stop.store(true);
                return;
            }
            const uint64_t i = next.fetch_add(1);
            if (i >= count) return;
            Status st;
            try {
                st = task(i, scratch);
            } catch (const std::exception &e) {
                st = make_error(Errc::internal, std::string("tree worker: ") + e.what());
            }
            if (!st) {
                std::lock_guard lock(error_mutex);
                if (first_error) first_error = st;
                stop.store(true);
                return;
            }
            const uint64_t done = finished.fetch_add(1) + 1;
            if (reports && on_progress) on_progress(done);
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < std::max(1u, threads); ++t) {
        try {
            pool.emplace_back(worker, false);
        } catch (const std::system_error &) {
            break;
        }
    }
    worker(true);
    for (auto &t : pool) t.join();
    if (!first_error) return first_error;
    if (cancel && cancel->load()) return make_error(Errc::cancelled, "cancelled");
    if (on_progress) on_progress(finished.load());
    return {};
}

} // namespace

uint64_t ifma_tree_work(uint64_t leaves, bool column_mode) { return (column_mode ? leaves : 0) + (leaves - 1) / 7; }

Result<Fr> build_base_tree_ifma(const TreeLeaves &leaves, uint64_t leaf_count, uint8_t *out, unsigned first_row,
                                const IfmaTreeOptions &options)
{
    DMC_TRY_ASSIGN(const BaseTreeGeometry geometry, BaseTreeGeometry::for_leaves(leaf_count));
    if (geometry.height == 0)
        return make_error(Errc::invalid_argument, "a base tree of one leaf has no Poseidon hash to build");
    if (first_row > geometry.height)
        return make_error(Errc::invalid_argument, "first stored row " + std::to_string(first_row) +
                                                      " is above the root row " + std::to_string(geometry.height));
    if (leaves.layers.empty() && !leaves.bytes) return make_error(Errc::invalid_argument, "no leaves given");
    if (leaves.layers.size() > 16)
        return make_error(Errc::invalid_argument,
                          "column hash over " + std::to_string(leaves.layers.size()) + " layers is not supported");
    Builder builder(leaves, geometry, out, first_row);
    const uint64_t per_chunk = builder.chunk_work();
    DMC_TRY_VOID(parallel_chunks(
        builder.chunks(), options.threads, options.cancel,
        [&](uint64_t chunk, std::vector<Group> &scratch) { return builder.hash_chunk(chunk, scratch); },
        [&](uint64_t finished) {
            if (options.progress) options.progress(finished * per_chunk);
        }));
    const Bytes32 root = builder.hash_upper_rows();
    if (options.progress) options.progress(ifma_tree_work(leaf_count, !leaves.layers.empty()));
    return Fr::from_bytes(root);
}

Status hash_columns_ifma(std::span<const uint8_t *const> layers, uint64_t count, uint8_t *out)
{
    if (count % 8 != 0 || layers.empty() || layers.size() > 16)
        return make_error(Errc::invalid_argument, "column hashes need 8k nodes and 1..16 layers");
    const PoseidonIfmaConstants &columns = poseidon_ifma_constants(static_cast<unsigned>(layers.size()));
    TreeLeaves leaves{layers, nullptr};
    for (uint64_t first = 0; first < count; first += 8) {
        FrVec hash;
        DMC_TRY_VOID(leaf_group(leaves, &columns, first, 8, hash));
        store_canonical(to_canonical(hash), 8, out + 32 * first);
    }
    return {};
}

} // namespace dmc::avx512
