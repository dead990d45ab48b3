// SPDX-License-Identifier: Apache-2.0
//
// PC2 replica encoding (poseidon-trees-snap.md §4, sdr.md §7):
// replica[v] = label_L[v] + data[v] (mod r), data[v] = replica[v] - label_L[v].
// All operands are canonical LE32 nodes; a node >= r is an error naming its
// index (the reference code refuses such bytes too).
#pragma once

#include <cstdint>

#include "damocles/sdk/result.hpp"

namespace dmc
{

// out[v] = key[v] + data[v] for v in [0, nodes). out may alias key or data.
Status encode_replica(const uint8_t *key, const uint8_t *data, uint8_t *out, uint64_t nodes);
// out[v] = replica[v] - key[v]. out may alias replica or key.
Status decode_replica(const uint8_t *replica, const uint8_t *key, uint8_t *out, uint64_t nodes);

} // namespace dmc
