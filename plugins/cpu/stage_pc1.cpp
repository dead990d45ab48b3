// SPDX-License-Identifier: Apache-2.0
//
// pc1 stage of the cpu plugin (docs/algorithms.md §7): the SDR labels of every layer,
// written as <cache_dir>/sc-02-data-layer-<l>.dat.
//
// Memory: the current layer is computed into one N·32-byte buffer; the
// previous layer is read through a read-only map of its file (never all
// layers in RAM). A layer file is written atomically once the whole layer is
// computed, then layer_done() is called; a cancelled call therefore leaves no
// partial layer file, and a resumed call (first_layer > 1) starts from the
// last durable layer.
//
// Labels are sequential within a layer (v−1 is always a base parent), so the
// speed-up from threads comes from taking work off the hashing thread: with
// call->threads > 1 a producer thread runs ahead of it, compressing each
// node's prefix block (1 of 20 SHA-256 blocks) and gathering the 8 expander
// parent labels from the previous layer (random reads, the cache misses of
// large sectors) into a ring of slots. The hashing thread only copies the 6
// base parent labels and finishes the hash. Single-threaded, the same work is
// done inline with software prefetching a few nodes ahead.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <sys/mman.h>
#include <system_error>
#include <thread>
#include <vector>

#include "cpu_stages.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/fr32.hpp"
#include "damocles/sdk/labels.hpp"
#include "damocles/sdk/parent_cache.hpp"
#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/stage_support.hpp"

namespace dmc::cpu {

namespace {

constexpr uint64_t kPollNodes = 4096;      // cancel and progress granularity
constexpr uint64_t kPrefetchDistance = 32; // nodes ahead whose parents are prefetched

// One layer's inputs and output.
struct LayerJob {
    const dmc_call *call;
    const ParentCache *cache;
    Bytes32 replica_id;
    uint32_t layer;
    uint64_t nodes;
    uint8_t *cur;           // N·32 bytes, written
    const uint8_t *prev;    // previous layer (nullptr for layer 1)
    uint64_t progress_base; // nodes of earlier layers
    uint64_t progress_total;
};

Status poll(const LayerJob &job, uint64_t v)
{
    if (plugin::cancel_requested(job.call)) return make_error(Errc::cancelled, "pc1: cancelled");
    if (job.call->progress) job.call->progress(job.call->progress_user, job.progress_base + v, job.progress_total);
    return {};
}

void prefetch_base(const LayerJob &job, uint64_t v)
{
    const uint32_t *p = job.cache->parents(v);
    for (unsigned i = 0; i < kBaseDegree; ++i) __builtin_prefetch(job.cur + uint64_t(p[i]) * 32);
}

void prefetch_expander(const LayerJob &job, uint64_t v)
{
    const uint32_t *p = job.cache->parents(v);
    for (unsigned i = kBaseDegree; i < kParentCount; ++i) __builtin_prefetch(job.prev + uint64_t(p[i]) * 32);
}

void copy_base(const LayerJob &job, uint64_t v, uint8_t *labels)
{
    const uint32_t *p = job.cache->parents(v);
    for (unsigned i = 0; i < kBaseDegree; ++i) std::memcpy(labels + 32 * i, job.cur + uint64_t(p[i]) * 32, 32);
}

void copy_expander(const LayerJob &job, uint64_t v, uint8_t *labels)
{
    const uint32_t *p = job.cache->parents(v);
    for (unsigned i = kBaseDegree; i < kParentCount; ++i)
        std::memcpy(labels + 32 * i, job.prev + uint64_t(p[i]) * 32, 32);
}

Status label_layer_inline(const LayerJob &job)
{
    const unsigned count = job.prev ? kParentCount : kBaseDegree;
    alignas(64) uint8_t labels[kParentCount * 32];
    label_node0(job.replica_id, job.layer, job.cur);
    for (uint64_t v = 1; v < job.nodes; ++v) {
        if (v % kPollNodes == 0) DMC_TRY_VOID(poll(job, v));
        if (v + kPrefetchDistance < job.nodes) {
            prefetch_base(job, v + kPrefetchDistance);
            if (job.prev) prefetch_expander(job, v + kPrefetchDistance);
        }
        copy_base(job, v, labels);
        if (job.prev) copy_expander(job, v, labels);
        label_from_state(label_prefix_state(job.replica_id, job.layer, v), labels, count, job.cur + v * 32);
    }
    return {};
}

// Producer/consumer pipeline (see the file comment). produced: nodes
// [1, produced) have their slot filled; consumed: nodes [1, consumed) are
// labelled and their slots may be reused. Both are published per batch.
struct alignas(64) Slot {
    LabelPrefixState prefix;
    uint8_t labels[kParentCount * 32]; // base parents filled by the consumer
};

Status label_layer_pipelined(const LayerJob &job)
{
    constexpr uint64_t kRing = 1u << 13;
    constexpr uint64_t kBatch = 256;
    static_assert(kRing >= 4 * kBatch && kRing % kBatch == 0);
    const unsigned count = job.prev ? kParentCount : kBaseDegree;
    std::vector<Slot> ring(kRing);
    std::atomic<uint64_t> produced{1};
    std::atomic<uint64_t> consumed{1};
    std::atomic<bool> stop{false};

    auto producer = [&] {
        for (uint64_t v = 1; v < job.nodes; ++v) {
            if (v % kBatch == 0) {
                if (stop.load(std::memory_order_relaxed)) return;
                produced.store(v, std::memory_order_release);
                produced.notify_one();
                uint64_t c = consumed.load(std::memory_order_acquire);
                while (c + kRing < v + kBatch && !stop.load(std::memory_order_acquire)) {
                    consumed.wait(c, std::memory_order_acquire);
                    c = consumed.load(std::memory_order_acquire);
                }
            }
            if (job.prev && v + kPrefetchDistance < job.nodes) prefetch_expander(job, v + kPrefetchDistance);
            Slot &slot = ring[v % kRing];
            slot.prefix = label_prefix_state(job.replica_id, job.layer, v);
            if (job.prev) copy_expander(job, v, slot.labels);
        }
        produced.store(job.nodes, std::memory_order_release);
        produced.notify_one();
    };

    std::thread helper;
    try {
        helper = std::thread(producer);
    } catch (const std::system_error &) {
        return label_layer_inline(job); // no thread to be had: same bytes, inline
    }
    // Stops and joins the producer on every way out of this function.
    struct StopHelper {
        std::thread &thread;
        std::atomic<bool> &stop;
        std::atomic<uint64_t> &consumed;
        uint64_t release_all;
        ~StopHelper()
        {
            stop.store(true, std::memory_order_release);
            consumed.store(release_all, std::memory_order_release);
            consumed.notify_all();
            thread.join();
        }
    } stop_helper{helper, stop, consumed, job.nodes + kRing};

    label_node0(job.replica_id, job.layer, job.cur);
    uint64_t ready = 1;
    for (uint64_t v = 1; v < job.nodes; ++v) {
        if (v >= ready) {
            ready = produced.load(std::memory_order_acquire);
            while (ready <= v) {
                produced.wait(ready, std::memory_order_acquire);
                ready = produced.load(std::memory_order_acquire);
            }
        }
        if (v % kPollNodes == 0) DMC_TRY_VOID(poll(job, v));
        if (v + kPrefetchDistance < job.nodes) prefetch_base(job, v + kPrefetchDistance);
        Slot &slot = ring[v % kRing];
        copy_base(job, v, slot.labels);
        label_from_state(slot.prefix, slot.labels, count, job.cur + v * 32);
        if (v % kBatch == kBatch - 1) {
            consumed.store(v + 1, std::memory_order_release);
            consumed.notify_one();
        }
    }
    return {};
}

// The current layer's buffer. Base parents are read from it at random, so it
// is 2 MiB-aligned and marked for transparent huge pages (fewer TLB misses on
// 32/64GiB layers); without THP it is an ordinary allocation.
struct FreeDeleter {
    void operator()(uint8_t *p) const { std::free(p); }
};
using LayerBuffer = std::unique_ptr<uint8_t[], FreeDeleter>;

LayerBuffer allocate_layer(uint64_t bytes)
{
    constexpr uint64_t kHugePage = 2u << 20;
    const uint64_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    auto *p = static_cast<uint8_t *>(std::aligned_alloc(kHugePage, rounded));
    if (p) ::madvise(p, rounded, MADV_HUGEPAGE);
    return LayerBuffer(p);
}

// Starts reading the previous layer in the background (it may be cold after
// a resume); the labels of the new layer read it all, at random.
void prefetch_file(const MappedFile &file)
{
    if (file.size() > 0) ::madvise(const_cast<uint8_t *>(file.data()), file.size(), MADV_WILLNEED);
}

std::string layer_path(const std::string &cache_dir, uint32_t layer)
{
    return cache_dir + "/sc-02-data-layer-" + std::to_string(layer) + ".dat";
}

Status run_sector(const dmc_call *call, const dmc_pc1_args *args, const SealProof &proof, const ParentCache &cache,
                  const dmc_pc1_sector &sector)
{
    const uint64_t nodes = proof.nodes();
    const uint32_t layers = proof.layers;
    if (sector.struct_size < sizeof(dmc_pc1_sector))
        return make_error(Errc::invalid_argument,
                          "pc1: sector struct is older than this plugin (struct_size too small)");
    if (!sector.cache_dir || !*sector.cache_dir) return make_error(Errc::invalid_argument, "pc1: no cache_dir given");
    if (sector.first_layer < 1 || sector.first_layer > layers)
        return make_error(Errc::invalid_argument, "pc1: first_layer " + std::to_string(sector.first_layer) +
                                                      " is outside 1.." + std::to_string(layers) + " for " +
                                                      proof.name);
    if (!is_canonical_fr(sector.replica_id))
        return make_error(Errc::invalid_argument, "pc1: replica_id is not a canonical field element");
    const std::string cache_dir = sector.cache_dir;
    DMC_TRY_VOID(make_dirs(cache_dir));

    MappedFile prev;
    if (sector.first_layer > 1) {
        const std::string path = layer_path(cache_dir, sector.first_layer - 1);
        auto opened = MappedFile::open_read(path);
        if (!opened)
            return opened.error().context("pc1: resuming at layer " + std::to_string(sector.first_layer) +
                                          " needs layer " + std::to_string(sector.first_layer - 1));
        prev = std::move(opened).value();
        if (prev.size() != nodes * 32)
            return make_error(Errc::invalid_argument, "pc1: layer file " + path + " has " +
                                                          std::to_string(prev.size()) + " bytes, expected " +
                                                          std::to_string(nodes * 32));
    }

    LayerBuffer cur = allocate_layer(nodes * 32);
    if (!cur)
        return make_error(Errc::no_memory, "pc1: cannot allocate " + std::to_string(nodes * 32) +
                                               " bytes for one layer of " + proof.name);

    LayerJob job{};
    job.call = call;
    job.cache = &cache;
    std::memcpy(job.replica_id.data(), sector.replica_id, 32);
    job.nodes = nodes;
    job.cur = cur.get();
    job.progress_total = nodes * layers;
    const bool pipelined = call->threads > 1;
    for (uint32_t layer = sector.first_layer; layer <= layers; ++layer) {
        if (plugin::cancel_requested(call)) return make_error(Errc::cancelled, "pc1: cancelled");
        job.layer = layer;
        job.prev = layer > 1 ? prev.data() : nullptr;
        if (job.prev) prefetch_file(prev);
        job.progress_base = uint64_t(layer - 1) * nodes;
        DMC_TRY_VOID(pipelined ? label_layer_pipelined(job) : label_layer_inline(job));

        const std::string path = layer_path(cache_dir, layer);
        AtomicFileWriter out;
        DMC_TRY_ASSIGN(out, AtomicFileWriter::create(path));
        DMC_TRY_VOID(out.write(std::span<const uint8_t>(cur.get(), nodes * 32)));
        DMC_TRY_VOID(out.commit());
        if (call->progress) call->progress(call->progress_user, uint64_t(layer) * nodes, job.progress_total);
        if (args->layer_done) args->layer_done(args->layer_done_user, 0, layer);
        if (layer < layers) {
            auto opened = MappedFile::open_read(path);
            if (!opened) return opened.error().context("pc1: reopening the layer just written");
            prev = std::move(opened).value();
        }
    }
    return {};
}

Status run(const dmc_call *call, const dmc_pc1_args *args)
{
    if (args->num_sectors != 1)
        return make_error(Errc::invalid_argument,
                          "pc1: the cpu stage processes one sector per call, got " + std::to_string(args->num_sectors));
    if (!args->sectors) return make_error(Errc::invalid_argument, "pc1: no sectors given");
    const SealProof *proof = nullptr;
    DMC_TRY_ASSIGN(proof, find_seal_proof(args->registered_proof));
    if (!args->parent_cache_path || !*args->parent_cache_path)
        return make_error(Errc::invalid_argument, "pc1: no parent_cache_path given");
    ParentCache cache;
    DMC_TRY_ASSIGN(cache, ParentCache::open(args->parent_cache_path, proof->nodes()));
    return run_sector(call, args, *proof, cache, args->sectors[0]);
}

dmc_status run_pc1(const dmc_call *call, dmc_pc1_args *args) noexcept
{
    return plugin::run_stage(call, "pc1", [&]() -> Status {
        if (!args || args->struct_size < sizeof(dmc_pc1_args))
            return make_error(Errc::invalid_argument,
                              "pc1: args struct is missing or older than this plugin (struct_size too small)");
        return run(call, args);
    });
}

} // namespace

// No batch hints: the cpu pc1 labels one sector per call.
extern const dmc_pc1_ops kCpuPc1Ops = {sizeof(dmc_pc1_ops), 0, &run_pc1, 0, 0};

} // namespace dmc::cpu
