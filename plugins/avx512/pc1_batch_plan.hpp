// SPDX-License-Identifier: Apache-2.0
//
// How a pc1 call of K sectors and T threads is run: which threads take
// which sectors, and which hashing engine each thread uses for its share.
//
//  * sha_ni: the SHA-NI kernel (sdr_label_kernel.cpp), chains of up to 3
//    sectors interleaved per group, groups one after the other;
//  * lanes8 / lanes16: the AVX-512 lane kernel (lane_label_kernel.cpp), all
//    of the thread's sectors in the lanes of one register.
//
// What is faster depends on the count and on the CPU, so the choice is
// measured: the first call times each engine on a small synthetic layer
// (a few ms, once per process) and every call then picks, for each way of
// spreading its sectors over 1..T threads, the engines with the least time
// per node, and the spread whose slowest thread is fastest; a spread with
// more threads must be 25 % faster than one with fewer (the calibration is
// in cache, and on real layers the SHA-NI groups lose more to memory than
// the lanes). On the Zen 5 host measured (per node of the synthetic layer):
// one SHA-NI chain 0.56 us, 2 chains 0.69 us, 3 chains 0.98 us, 8 lanes
// 3.2 us, 16 lanes 3.0 us (about 2.8 us since the lane round was regrouped,
// sha256_lanes.hpp; the choices below stayed); so 1..9 sectors on a thread go to SHA-NI groups
// and 10..16 to the 16 lanes, 8 sectors on 2 threads to 4 + 4 in SHA-NI
// groups, and 16 sectors on 2 threads to the 16 lanes of one thread (8 + 8
// in SHA-NI groups, 2.64 us per node, is only 12-18 % less in cache, and
// was slower on 16 x 512MiB).
//
// DAMOCLES_AVX512_PC1_ENGINE=sha-ni|lanes forces an engine for every thread
// (the tests use it to cover both engines whatever this CPU prefers).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dmc::avx512 {

enum class Pc1Engine { sha_ni, lanes8, lanes16 };

const char *engine_name(Pc1Engine engine);

struct Pc1WorkerPlan {
    Pc1Engine engine = Pc1Engine::sha_ni;
    std::vector<uint32_t> sectors; // indices into dmc_pc1_args::sectors
};

// Measured time per node of each engine configuration, in ns.
struct EngineTimes {
    double sha_ni[4] = {0, 0, 0, 0}; // [k]: one group of k interleaved chains (k = 1..3)
    double lanes8 = 0, lanes16 = 0;
};

// Measures the engines once per process (thread-safe) and returns the times.
const EngineTimes &engine_times();

// Per-node time of `sectors` sectors on one thread with `engine`.
double predicted_node_ns(const EngineTimes &times, Pc1Engine engine, uint32_t sectors);

// Whether a call takes the single-sector path (every sector has a thread of
// its own; stage_pc1.cpp) rather than the batch path.
bool pc1_single_path(uint32_t sectors, uint32_t threads, const std::string &forced);

// The workers for `sectors` sectors and `threads` threads (each worker is
// one thread). `forced`: "sha-ni", "lanes" or empty (measured choice).
std::vector<Pc1WorkerPlan> plan_pc1_workers(uint32_t sectors, uint32_t threads, const EngineTimes &times,
                                            const std::string &forced);

} // namespace dmc::avx512
