// SPDX-License-Identifier: Apache-2.0
//
// Throughput of the plugin's SHA-256 engines on one core, for the PC1
// benchmark's limit (`damocles-run bench pc1`, kernel sha256_throughput of
// stage_kernel_bench.cpp):
// independent messages, so nothing waits on a chain, read from a rotating
// set of blocks in memory as the labelling reads parent labels (the
// compiler cannot hoist their message schedules out of the loop), and every
// state kept live to the end.
#pragma once

#include <cstdint>

namespace dmc::avx512 {

// What the engines of a probe compress: every block plainly (schedule
// expanded), the lanes from kept schedules while the SHA-NI streams expand
// their own, or every engine from kept schedules (the rounds alone, as for
// the repeated parent blocks of an SDR label, docs/algorithms.md §7.2).
enum class ShaProbeMode : unsigned { plain = 0, lanes_replay = 1, all_replay = 2 };

// Nanoseconds per compression of `lanes` AVX-512 lanes (0, 8 or 16) with
// `ni_streams` SHA-NI streams interleaved (0..8; at most 6 with lanes), over
// about `blocks` compressions. 0 for an unsupported combination (no engine,
// or lanes_replay without lanes).
double sha_throughput_ns(unsigned lanes, unsigned ni_streams, ShaProbeMode mode, uint64_t blocks);

} // namespace dmc::avx512
