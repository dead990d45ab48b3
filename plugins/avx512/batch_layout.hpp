// SPDX-License-Identifier: Apache-2.0
//
// How a PC1 batch keeps the labels of its sectors while it labels them
// (docs/algorithms.md, SDR labelling): node-major, sector-minor. Node v of
// every sector of the batch is one block of `slots` × 32 bytes at v·pitch,
// so one random parent read brings the parent's label of every sector (16
// sectors: 512 bytes, 8 cache lines, one page).
//
// Inside a block there are two arrangements, one per hashing engine:
//  * bytes: slot s holds sector s's 32 label bytes as they are on disk. The
//    SHA-NI engine loads its messages straight from there.
//  * words: word-sliced for the lane engine. Word j (0..7) of slot s is at
//    u32 index j·slots + s, as the native integer of the label's big-endian
//    word j (trunc254 already applied). Word j of every sector is then one
//    aligned vector load: a parent costs 8 loads and no transposition.
//    The transposition to bytes is paid once per label, when the block is
//    copied out to the layer files (deinterleave()), instead of at each of
//    the 37 reads of the label as a parent.
#pragma once

#include <cstdint>

namespace dmc::avx512 {

enum class SlotArrangement { bytes, words };

struct BatchLayout {
    SlotArrangement arrangement = SlotArrangement::bytes;
    unsigned slots = 1; // 1..16; words: 8 or 16 (the lane count)

    uint64_t pitch() const { return uint64_t(slots) * 32; }
};

// Copies nodes [0, count) of `blocks` (count whole blocks) out to the
// sectors' label bytes: slot s goes to outs[s] + 32·i for node i; slots with
// outs[s] == nullptr are skipped.
void deinterleave(const BatchLayout &layout, const uint8_t *blocks, uint64_t count, uint8_t *const *outs);

// Writes `count` labels of one sector (bytes as on disk) into slot `slot`
// of `blocks`, leaving the other slots as they are (a resumed sector's
// previous layer read from its file).
void interleave_slot(const BatchLayout &layout, const uint8_t *labels, uint64_t count, unsigned slot, uint8_t *blocks);

} // namespace dmc::avx512
