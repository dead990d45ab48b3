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

// Nanoseconds per compression of `lanes` AVX-512 lanes (0, 8 or 16) with
// `ni_streams` SHA-NI streams interleaved (0..8; at most 6 with lanes), over
// about `blocks` compressions. `replay`: the lanes compress from kept
// schedules (compress_lanes_replay, the rounds alone), as the label kernel
// does for the repeated parent blocks of a label. 0 for an unsupported
// combination.
double sha_throughput_ns(unsigned lanes, unsigned ni_streams, bool replay, uint64_t blocks);

} // namespace dmc::avx512
