// SPDX-License-Identifier: Apache-2.0
//
// A TreeEngine (plugins/gpu/cuda_tree.hpp) that runs on the host: the same
// per-node DMC_HD functions as the CUDA kernels (poseidon_hash_canonical_hd,
// fr_canonical_valid, fr_add on canonical values), one node at a time. With
// it the tests run the plugin's streaming code (tree_stream.cpp: chunking,
// row offsets, replica writes, upper rows) on machines without a GPU; only
// the CUDA launches and copies of cuda_tree.cu are left out.
#pragma once

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "cuda_tree.hpp"
#include "poseidon_tables.hpp"

namespace dmc::test {

class HostTreeEngine final : public gpu::TreeEngine {
public:
    HostTreeEngine(uint64_t chunk_leaves, unsigned inputs)
        : image_(gpu::build_poseidon_image()), chunk_leaves_(chunk_leaves), inputs_(inputs * chunk_leaves * 32),
          output_(chunk_leaves * 32), rows_((8 * chunk_leaves - 1) / 7)
    {
    }

    uint8_t *input(unsigned slot) const override { return inputs_.data() + slot * chunk_leaves_ * 32; }
    uint8_t *output() const override { return output_.data(); }
    uint64_t chunk_leaves() const override { return chunk_leaves_; }

    std::string column_hashes(unsigned layers, uint64_t count, gpu::BadInput &bad) override
    {
        start(count, bad);
        for (uint64_t v = 0; v < count; ++v) {
            gpu::FrHd column[11];
            for (unsigned l = 0; l < layers; ++l) {
                column[l] = node(input(l), v);
                if (!gpu::fr_canonical_valid(column[l])) return report(bad, v, l);
            }
            rows_[v] = layers == 2 ? gpu::poseidon_hash_canonical_hd<2>(table(2), column)
                                   : gpu::poseidon_hash_canonical_hd<11>(table(11), column);
        }
        return {};
    }

    std::string leaves(uint64_t count, gpu::BadInput &bad) override
    {
        start(count, bad);
        for (uint64_t v = 0; v < count; ++v) {
            rows_[v] = node(input(0), v);
            if (!gpu::fr_canonical_valid(rows_[v])) return report(bad, v, 0);
        }
        return {};
    }

    std::string encode(uint64_t count, bool with_data, gpu::BadInput &bad) override
    {
        start(count, bad);
        for (uint64_t v = 0; v < count; ++v) {
            const gpu::FrHd key = node(input(0), v);
            if (!gpu::fr_canonical_valid(key)) return report(bad, v, 0);
            rows_[v] = key;
            if (!with_data) continue;
            const gpu::FrHd data = node(input(1), v);
            if (!gpu::fr_canonical_valid(data)) return report(bad, v, 1);
            rows_[v] = gpu::fr_add(key, data);
        }
        return {};
    }

    std::string hash_rows(unsigned height) override
    {
        if ((uint64_t{1} << (3 * height)) != count_) return "hash_rows: height does not match the chunk";
        for (unsigned row = 1; row <= height; ++row) {
            const uint64_t parents = count_ >> (3 * row);
            for (uint64_t m = 0; m < parents; ++m)
                rows_[offset(row) + m] = gpu::poseidon_hash_canonical_hd<8>(table(8), &rows_[offset(row - 1) + 8 * m]);
        }
        return {};
    }

    std::string download_row(unsigned row) override
    {
        std::memcpy(output_.data(), &rows_[offset(row)], (count_ >> (3 * row)) * 32);
        return {};
    }

    uint64_t chunks_seen = 0;

private:
    gpu::PoseidonImage image_;
    uint64_t chunk_leaves_;
    mutable std::vector<uint8_t> inputs_, output_;
    std::vector<gpu::FrHd> rows_;
    uint64_t count_ = 0;

    gpu::PoseidonTableHd table(unsigned arity) const
    {
        return gpu::bind_poseidon_table(image_.layout(arity), image_.elements.data());
    }
    static gpu::FrHd node(const uint8_t *base, uint64_t v)
    {
        gpu::FrHd out;
        std::memcpy(out.l, base + 32 * v, 32);
        return out;
    }
    void start(uint64_t count, gpu::BadInput &bad)
    {
        count_ = count;
        bad = gpu::BadInput{};
        ++chunks_seen;
    }
    static std::string report(gpu::BadInput &bad, uint64_t index, unsigned source)
    {
        bad.found = true;
        bad.index = index;
        bad.source = source;
        return {};
    }
    uint64_t offset(unsigned row) const
    {
        uint64_t at = 0;
        for (unsigned r = 0; r < row; ++r) at += count_ >> (3 * r);
        return at;
    }
};

} // namespace dmc::test
