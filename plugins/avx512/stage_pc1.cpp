// SPDX-License-Identifier: Apache-2.0
//
// pc1 stage of the avx512 plugin: the SDR labels (docs/algorithms.md, SDR
// labelling) of every layer of 1..16 sectors of one proof type per call,
// written as <cache_dir>/sc-02-data-layer-<l>.dat exactly as the cpu stage
// writes them.
//
// Two ways to run a call, chosen here:
//  * each sector has a thread of its own (sectors <= threads): the SHA-NI
//    single-stream path with the layers in anonymous huge pages, the lowest
//    latency per sector (pc1_single.cpp);
//  * otherwise the batch path (pc1_batch.cpp): threads take shares of the
//    sectors, each share hashed by the engine measured fastest for its size
//    (interleaved SHA-NI chains or AVX-512 lanes, pc1_batch_plan.hpp), the
//    layers interleaved in file-backed scratch, so that anonymous memory
//    does not grow with the batch.
// DAMOCLES_AVX512_PC1_ENGINE=sha-ni|lanes forces the batch path with that
// engine, even for one sector (tests cover every engine that way).
#include <cstdlib>
#include <cstring>
#include <string>

#include "avx512_stages.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/fr.hpp"
#include "pc1_batch.hpp"
#include "pc1_single.hpp"
#include "stage_common.hpp"

namespace dmc::avx512 {

namespace {

Status check_sector(const dmc_pc1_sector &sector, const SealProof &proof)
{
    if (sector.struct_size < sizeof(dmc_pc1_sector))
        return make_error(Errc::invalid_argument,
                          "pc1: sector struct is older than this plugin (struct_size too small)");
    if (!sector.cache_dir || !*sector.cache_dir) return make_error(Errc::invalid_argument, "pc1: no cache_dir given");
    if (sector.first_layer < 1 || sector.first_layer > proof.layers)
        return make_error(Errc::invalid_argument, "pc1: first_layer " + std::to_string(sector.first_layer) +
                                                      " is outside 1.." + std::to_string(proof.layers) + " for " +
                                                      proof.name);
    if (!fr_bytes_valid(sector.replica_id))
        return make_error(Errc::invalid_argument, "pc1: replica_id is not a canonical field element");
    return {};
}

std::string forced_engine()
{
    const char *value = std::getenv("DAMOCLES_AVX512_PC1_ENGINE");
    return value ? std::string(value) : std::string();
}

Status run(const dmc_call *call, const dmc_pc1_args *args)
{
    if (!args || args->struct_size < sizeof(dmc_pc1_args))
        return make_error(Errc::invalid_argument,
                          "args struct is missing or older than this plugin (struct_size too small)");
    if (args->num_sectors < 1 || args->num_sectors > kMaxPc1Sectors)
        return make_error(Errc::invalid_argument, "the avx512 stage takes 1.." + std::to_string(kMaxPc1Sectors) +
                                                      " sectors per call, got " + std::to_string(args->num_sectors));
    if (!args->sectors) return make_error(Errc::invalid_argument, "no sectors given");
    const std::string forced = forced_engine();
    if (!forced.empty() && forced != "sha-ni" && forced != "lanes")
        return make_error(Errc::invalid_argument,
                          "DAMOCLES_AVX512_PC1_ENGINE is \"" + forced + "\"; expected sha-ni, lanes or unset");
    Pc1Job job;
    job.call = call;
    job.args = args;
    DMC_TRY_ASSIGN(job.proof, find_seal_proof(args->registered_proof));
    if (!args->parent_cache_path || !*args->parent_cache_path)
        return make_error(Errc::invalid_argument, "no parent_cache_path given");
    const uint64_t nodes = job.proof->nodes();
    for (uint32_t i = 0; i < args->num_sectors; ++i) {
        const dmc_pc1_sector &in = args->sectors[i];
        DMC_TRY_VOID(check_sector(in, *job.proof));
        Pc1SectorSpec s;
        s.index = i;
        s.first_layer = in.first_layer;
        s.cache_dir = in.cache_dir;
        for (int w = 0; w < 8; ++w)
            s.replica_words[w] = uint32_t(in.replica_id[4 * w]) << 24 | uint32_t(in.replica_id[4 * w + 1]) << 16 |
                                 uint32_t(in.replica_id[4 * w + 2]) << 8 | uint32_t(in.replica_id[4 * w + 3]);
        DMC_TRY_VOID(make_dirs(s.cache_dir));
        job.progress_total += uint64_t(job.proof->layers - in.first_layer + 1) * nodes;
        job.sectors.push_back(std::move(s));
    }
    ParentCache cache;
    DMC_TRY_ASSIGN(cache, ParentCache::open(args->parent_cache_path, nodes));
    job.cache = &cache;

    const uint32_t threads = std::max(1u, call->threads);
    if (pc1_single_path(args->num_sectors, threads, forced)) return run_pc1_single(job);
    return run_pc1_batch(job, plan_pc1_workers(args->num_sectors, threads, engine_times(), forced));
}

dmc_status run_pc1(const dmc_call *call, dmc_pc1_args *args) noexcept
{
    return run_stage(call, "pc1", [&] { return run(call, args); });
}

} // namespace

// Batch hints (ABI 1.2): one thread labels 16 sectors in the AVX-512 lanes,
// and a call with more sectors than threads streams its layers through
// file-backed scratch (pc1_batch.hpp): measured 0.012 S of anonymous memory
// per sector at 16 x 512MiB plus its 4 MiB ring; 0.25 S is the ceiling the
// batch path is built to (docs/architecture.md §5.2).
constexpr uint32_t kPc1SectorsPerThread = 16;
constexpr uint32_t kPc1MemoryPermille = 250;

extern const dmc_pc1_ops kAvx512Pc1Ops = {sizeof(dmc_pc1_ops), 0, &run_pc1, kPc1SectorsPerThread, kPc1MemoryPermille};

} // namespace dmc::avx512
