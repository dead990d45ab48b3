// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/replica_encoding.hpp"

#include <string>

#include "damocles/sdk/fr.hpp"

namespace dmc
{

namespace
{

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

Status decode_replica(const uint8_t *replica, const uint8_t *key, uint8_t *out, uint64_t nodes)
{
    return combine_nodes(replica, "replica", key, "key (last layer)", out, nodes,
                         [](const Fr &r, const Fr &k) { return r - k; });
}

} // namespace dmc
