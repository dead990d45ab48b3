// SPDX-License-Identifier: Apache-2.0
//
// Host side of the GPU Poseidon constants: one flat array of FrHd holding the
// optimised-form constants of arities 2, 8 and 11, copied limb for limb from
// the sdk's PoseidonConstants (which generates them with the Grain LFSR and
// derives the sparse matrices, docs/algorithms.md §9.2-§9.5). The GPU
// code never derives a constant itself, so a difference can only come from
// the arithmetic, which tests/unit/gpu checks on the host.
//
// The array is uploaded once per stage call (cuda_tree.cu); the layouts are
// offsets, so the same PoseidonLayout binds to the host copy (tests) or the
// device copy (kernels) with bind_poseidon_table().
#pragma once

#include <cstring>
#include <stdexcept>
#include <vector>

#include "damocles/sdk/poseidon.hpp"
#include "poseidon_hd.hpp"

namespace dmc::gpu {

struct PoseidonImage {
    std::vector<FrHd> elements;
    PoseidonLayout layouts[3]; // kGpuArities order: 2, 8, 11

    const PoseidonLayout &layout(unsigned arity) const
    {
        for (const auto &l : layouts)
            if (l.arity == arity) return l;
        throw std::invalid_argument("no GPU Poseidon constants for arity " + std::to_string(arity));
    }
};

inline FrHd to_hd(const Fr &value)
{
    FrHd out;
    static_assert(sizeof(out.l) == sizeof(value.l), "FrHd and Fr share the Montgomery limb layout");
    std::memcpy(out.l, value.l, sizeof(out.l));
    return out;
}

inline Fr from_hd(const FrHd &value)
{
    Fr out;
    std::memcpy(out.l, value.l, sizeof(out.l));
    return out;
}

inline PoseidonImage build_poseidon_image()
{
    PoseidonImage image;
    auto append = [&](const std::vector<Fr> &values, size_t expected) {
        if (values.size() != expected)
            throw std::logic_error("sdk Poseidon constants have " + std::to_string(values.size()) + " elements where " +
                                   std::to_string(expected) + " were expected");
        const uint64_t offset = image.elements.size();
        for (const Fr &v : values) image.elements.push_back(to_hd(v));
        return offset;
    };
    for (unsigned i = 0; i < 3; ++i) {
        const PoseidonConstants &c = poseidon_constants(kGpuArities[i]);
        const size_t t = c.width;
        PoseidonLayout &l = image.layouts[i];
        l.arity = c.arity;
        l.width = c.width;
        l.full_rounds = c.full_rounds;
        l.partial_rounds = c.partial_rounds;
        l.tag = to_hd(c.merkle_tree_tag);
        l.mds = append(c.mds, t * t);
        l.pre_sparse = append(c.pre_sparse_matrix, t * t);
        l.full_constants = append(c.full_round_constants, c.full_rounds * t);
        l.partial_constants = append(c.partial_round_constants, c.partial_rounds);
        l.sparse = append(c.sparse_matrices, c.partial_rounds * (2 * t - 1));
    }
    return image;
}

} // namespace dmc::gpu
