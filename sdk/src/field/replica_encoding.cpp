// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/replica_encoding.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "damocles/sdk/fr.hpp"

namespace dmc {

namespace {

template <class Combine>
Status combine_nodes(const uint8_t *a, const char *a_name, const uint8_t *b, const char *b_name, uint8_t *out,
                     uint64_t nodes, Combine combine)
{
    for (uint64_t v = 0; v < nodes; ++v) {
        Fr x, y;
        if (!Fr::try_from_bytes(a + 32 * v, x) || !Fr::try_from_bytes(b + 32 * v, y)) {
            const bool a_bad = !Fr::try_from_bytes(a + 32 * v, x);
            return make_error(Errc::invalid_argument, std::string(a_bad ? a_name : b_name) + " node " +
                                                          std::to_string(v) +
                                                          " is not a canonical field element (value >= r)");
        }
        combine(x, y).to_bytes(out + 32 * v);
    }
    return {};
}

} // namespace

Status encode_replica(const uint8_t *key, const uint8_t *data, uint8_t *out, uint64_t nodes)
{
    return combine_nodes(key, "key (last layer)", data, "data", out, nodes,
                         [](const Fr &k, const Fr &d) { return k + d; });
}

Status encode_replica_chunked(const uint8_t *key, const uint8_t *data, uint64_t data_bytes, uint8_t *out,
                              uint64_t nodes, const std::function<bool(uint64_t)> &progress)
{
    constexpr uint64_t kChunkNodes = 1u << 16; // 2 MiB: progress and cancel a few times per second
    std::vector<uint8_t> zeros;
    for (uint64_t start = 0; start < nodes; start += kChunkNodes) {
        const uint64_t count = std::min(kChunkNodes, nodes - start);
        const uint8_t *k = key + start * 32;
        const uint8_t *d = nullptr;
        if (data && data_bytes >= (start + count) * 32) {
            d = data + start * 32;
        } else if (data && data_bytes > start * 32) {
            zeros.assign(count * 32, 0);
            std::memcpy(zeros.data(), data + start * 32, data_bytes - start * 32);
            d = zeros.data();
        }
        if (d) {
            // encode_replica names the node within the chunk; find it again to
            // name it in the sector, as the gpu plugin does.
            if (auto st = encode_replica(k, d, out + start * 32, count); !st.ok()) {
                for (uint64_t v = 0; v < count; ++v)
                    if (!fr_bytes_valid(k + v * 32) || !fr_bytes_valid(d + v * 32))
                        return make_error(st.error().code,
                                          std::string(fr_bytes_valid(k + v * 32) ? "data" : "key (last layer)") +
                                              " node " + std::to_string(start + v) +
                                              " is not a canonical field element (value >= r)");
                return st;
            }
        } else {
            // CC, or past the end of a short data file: replica = key, checked like the encoder would.
            if (out + start * 32 != k) std::memcpy(out + start * 32, k, count * 32);
            for (uint64_t v = 0; v < count; ++v)
                if (!fr_bytes_valid(k + v * 32))
                    return make_error(Errc::corrupt,
                                      "label of node " + std::to_string(start + v) + " is not a field element");
        }
        if (!progress(start + count)) return make_error(Errc::cancelled, "cancelled");
    }
    return {};
}

Status decode_replica(const uint8_t *replica, const uint8_t *key, uint8_t *out, uint64_t nodes)
{
    return combine_nodes(replica, "replica", key, "key (last layer)", out, nodes,
                         [](const Fr &r, const Fr &k) { return r - k; });
}

} // namespace dmc
