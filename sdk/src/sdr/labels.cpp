// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/labels.hpp"

#include <cstring>
#include <string>

#include <openssl/sha.h>

namespace dmc {

namespace {

// A SHA256_CTX positioned right after the prefix block.
void resume_after_prefix(const LabelPrefixState &prefix, SHA256_CTX &ctx)
{
    SHA256_Init(&ctx);
    std::memcpy(ctx.h, prefix.h, sizeof prefix.h);
    ctx.Nl = 512; // bits hashed so far
    ctx.Nh = 0;
    ctx.num = 0;
}

void finish_trunc254(SHA256_CTX &ctx, uint8_t *out32)
{
    SHA256_Final(out32, &ctx);
    out32[31] &= 0x3f;
}

} // namespace

void label_prefix(const Bytes32 &replica_id, uint32_t layer, uint64_t node, uint8_t *out64)
{
    std::memcpy(out64, replica_id.data(), 32);
    for (int i = 0; i < 4; ++i) out64[32 + i] = static_cast<uint8_t>(layer >> (24 - 8 * i));
    for (int i = 0; i < 8; ++i) out64[36 + i] = static_cast<uint8_t>(node >> (56 - 8 * i));
    std::memset(out64 + 44, 0, 20);
}

LabelPrefixState label_prefix_state(const Bytes32 &replica_id, uint32_t layer, uint64_t node)
{
    uint8_t block[64];
    label_prefix(replica_id, layer, node, block);
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    SHA256_Update(&ctx, block, sizeof block);
    LabelPrefixState state;
    std::memcpy(state.h, ctx.h, sizeof state.h);
    return state;
}

void label_from_state(const LabelPrefixState &prefix, const uint8_t *parent_labels, unsigned parent_count,
                      uint8_t *out32)
{
    SHA256_CTX ctx;
    resume_after_prefix(prefix, ctx);
    const size_t all = size_t(parent_count) * 32;
    unsigned left = kLabelRepeatedParents;
    while (left >= parent_count) {
        SHA256_Update(&ctx, parent_labels, all);
        left -= parent_count;
    }
    SHA256_Update(&ctx, parent_labels, size_t(left) * 32);
    finish_trunc254(ctx, out32);
}

void label_node0(const Bytes32 &replica_id, uint32_t layer, uint8_t *out32)
{
    uint8_t block[64];
    label_prefix(replica_id, layer, 0, block);
    SHA256(block, sizeof block, out32);
    out32[31] &= 0x3f;
}

Result<Bytes32> label_node(const Bytes32 &replica_id, uint32_t layer, uint64_t node,
                           std::span<const Bytes32> parent_labels)
{
    Bytes32 out;
    if (layer == 0) return make_error(Errc::invalid_argument, "layer numbers start at 1");
    const size_t expected = node == 0 ? 0 : (layer == 1 ? kBaseDegree : kParentCount);
    if (parent_labels.size() != expected)
        return make_error(Errc::invalid_argument, "node " + std::to_string(node) + " of layer " +
                                                      std::to_string(layer) + " hashes " + std::to_string(expected) +
                                                      " parent labels, got " + std::to_string(parent_labels.size()));
    if (node == 0) {
        label_node0(replica_id, layer, out.data());
        return out;
    }
    uint8_t parents[kParentCount * 32];
    for (size_t i = 0; i < expected; ++i) std::memcpy(parents + 32 * i, parent_labels[i].data(), 32);
    label_from_state(label_prefix_state(replica_id, layer, node), parents, static_cast<unsigned>(expected), out.data());
    return out;
}

std::vector<std::vector<uint8_t>> compute_layers_reference(const SdrGraph &graph, const Bytes32 &replica_id,
                                                           uint32_t layers)
{
    const uint64_t n = graph.nodes();
    std::vector<std::vector<uint8_t>> out(layers, std::vector<uint8_t>(n * 32));
    uint32_t parents[kParentCount];
    uint8_t labels[kParentCount * 32];
    for (uint32_t l = 1; l <= layers; ++l) {
        uint8_t *cur = out[l - 1].data();
        const uint8_t *prev = l > 1 ? out[l - 2].data() : nullptr;
        label_node0(replica_id, l, cur);
        const unsigned count = l == 1 ? kBaseDegree : kParentCount;
        for (uint64_t v = 1; v < n; ++v) {
            graph.parents(v, parents);
            for (unsigned i = 0; i < count; ++i) {
                const uint8_t *layer_labels = i < kBaseDegree ? cur : prev;
                std::memcpy(labels + 32 * i, layer_labels + uint64_t(parents[i]) * 32, 32);
            }
            label_from_state(label_prefix_state(replica_id, l, v), labels, count, cur + v * 32);
        }
    }
    return out;
}

} // namespace dmc
