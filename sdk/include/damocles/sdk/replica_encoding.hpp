// SPDX-License-Identifier: Apache-2.0
//
// PC2 replica encoding (docs/algorithms.md §10.6, docs/algorithms.md §10.6):
// replica[v] = label_L[v] + data[v] (mod r), data[v] = replica[v] - label_L[v].
// All operands are canonical LE32 nodes; a node >= r is an error naming its
// index (the reference code refuses such bytes too).
#pragma once

#include <cstdint>
#include <functional>

#include "damocles/sdk/result.hpp"

namespace dmc {

// out[v] = key[v] + data[v] for v in [0, nodes). out may alias key or data.
Status encode_replica(const uint8_t *key, const uint8_t *data, uint8_t *out, uint64_t nodes);
// A whole replica of `nodes` nodes, in chunks: out = key + data, where data
// is `data_bytes` long and zero-extended to the sector (unsealed files may
// be shorter), or out = key with every key node checked canonical when data
// is null (CC). After each chunk `progress(nodes done)` is called; false
// from it stops with Errc::cancelled.
Status encode_replica_chunked(const uint8_t *key, const uint8_t *data, uint64_t data_bytes, uint8_t *out,
                              uint64_t nodes, const std::function<bool(uint64_t)> &progress);
// out[v] = replica[v] - key[v]. out may alias replica or key.
Status decode_replica(const uint8_t *replica, const uint8_t *key, uint8_t *out, uint64_t nodes);

} // namespace dmc
