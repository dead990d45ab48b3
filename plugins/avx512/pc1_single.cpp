// SPDX-License-Identifier: Apache-2.0
//
// The avx512 pc1 stage's path for sectors that each get a thread of their
// own (one sector per call, or no more sectors than threads): every sector
// keeps its layers in anonymous memory and is hashed by the SHA-NI kernel
// (sdr_label_kernel.cpp), the lowest latency per sector. Several sectors on
// one thread go through the batch path instead (pc1_batch.hpp). The files,
// the layer_done checkpoints, cancellation and first_layer resume behave
// exactly as in the cpu stage.
//
// Memory: two anonymous N·32-byte buffers per sector, the layer being
// labelled and the previous one (huge pages where available: both are read
// at random), so peak anonymous memory is 2 S per sector plus a few pages.
// Files: a LayerWriter streams each layer to its file while it is labelled
// and commits it while the next layer is labelled (the buffer is only read
// by then); it is waited for, and layer_done called, before the buffer is
// reused. Only the last layer's tail and fsync are on the critical path.
//
// Sectors and threads: the sectors share the graph, so when groups of them
// share a thread their SHA chains are interleaved node by node (up to
// kMaxInterleavedSectors); the groups are spread over min(T, groups)
// threads. A resumed sector (first_layer > 1) joins the others at its first
// layer, after its previous layer was read from its file.
#include "pc1_single.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "batch_scratch.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/parent_cache.hpp"
#include "huge_buffer.hpp"
#include "layer_writer.hpp"
#include "sdr_label_kernel.hpp"
#include "stage_common.hpp"

namespace dmc::avx512 {

namespace {

constexpr uint64_t kPollNodes = 4096; // cancel and progress granularity

struct SectorRun {
    uint32_t index = 0; // in args->sectors (the layer_done sector_index)
    uint32_t first_layer = 1;
    std::string cache_dir;
    uint32_t replica_words[8] = {};
    HugeBuffer cur, prev;
};

Status read_layer(const SectorRun &sector, uint32_t layer, uint8_t *into, uint64_t bytes)
{
    MappedFile file;
    DMC_TRY_ASSIGN(file, open_resume_layer(sector.cache_dir, layer, bytes));
    std::memcpy(into, file.data(), bytes);
    return {};
}

struct LayerContext {
    const dmc_call *call;
    const ParentCache *cache;
    uint64_t nodes;
    uint32_t layer;
    std::atomic<uint64_t> *done;               // nodes labelled, all sectors of the call
    std::atomic<bool> *stop;                   // set on cancel
    const std::atomic<uint64_t> *mapped_nodes; // output nodes mapped so far (nullptr: all)
};

// Sectors labelled together by one interleaved kernel call, and where each
// publishes how many of its nodes are final (read by the LayerWriter).
struct SectorGroup {
    std::vector<SectorLayerView> views;
    std::vector<std::atomic<uint64_t> *> labelled;
};

// Labels the whole layer for one group of sectors; polls cancel between chunks.
void label_group(const LayerContext &ctx, const SectorGroup &group, bool report_progress, uint64_t total,
                 uint64_t base_done)
{
    for (uint64_t begin = 1; begin < ctx.nodes; begin += kPollNodes) {
        if (cancel_requested(ctx.call)) ctx.stop->store(true, std::memory_order_relaxed);
        if (ctx.stop->load(std::memory_order_relaxed)) return;
        const uint64_t end = std::min(ctx.nodes, begin + kPollNodes);
        // Nothing is written where the prefaulter has not been yet (it writes zeros).
        if (ctx.mapped_nodes)
            while (ctx.mapped_nodes->load(std::memory_order_acquire) < end) std::this_thread::yield();
        if (begin == 1)
            for (auto &view : group.views) label_node_zero(view, ctx.layer);
        label_nodes(group.views, ctx.cache->parents(0), ctx.nodes, ctx.layer, begin, end);
        for (auto *labelled : group.labelled) labelled->store(end, std::memory_order_release);
        const uint64_t count = (end - begin) * group.views.size();
        const uint64_t now = ctx.done->fetch_add(count, std::memory_order_relaxed) + count;
        if (report_progress && ctx.call->progress) ctx.call->progress(ctx.call->progress_user, base_done + now, total);
    }
}

// The groups of one thread, one after the other.
void label_groups(const LayerContext &ctx, const std::vector<SectorGroup> &groups, size_t first, size_t stride,
                  bool report_progress, uint64_t total, uint64_t base_done)
{
    for (size_t g = first; g < groups.size(); g += stride)
        label_group(ctx, groups[g], report_progress, total, base_done);
}

// One layer for the active sectors. They are split into groups of at most
// kMaxInterleavedSectors (one interleaved kernel call each), at least one
// group per available thread; thread t runs groups t, t+T, ...
Status label_layer(const dmc_call *call, const ParentCache &cache, uint64_t nodes, uint32_t layer,
                   const std::vector<SectorRun *> &active, LayerWriter &writer, uint64_t progress_base,
                   uint64_t progress_total, const std::atomic<uint64_t> *mapped_nodes)
{
    const size_t threads = std::max(1u, call->threads);
    const size_t by_size = (active.size() + kMaxInterleavedSectors - 1) / kMaxInterleavedSectors;
    const size_t group_count = std::max(by_size, std::min(threads, active.size()));
    std::vector<SectorGroup> groups(group_count);
    for (size_t i = 0; i < active.size(); ++i) {
        SectorRun &s = *active[i];
        SectorLayerView v;
        v.cur = s.cur.data();
        v.prev = layer > 1 ? s.prev.data() : nullptr;
        std::memcpy(v.replica_words, s.replica_words, sizeof v.replica_words);
        groups[i % group_count].views.push_back(v);
        groups[i % group_count].labelled.push_back(&writer.labelled_nodes(i));
    }
    std::atomic<uint64_t> done{0};
    std::atomic<bool> stop{false};
    const LayerContext ctx{call, &cache, nodes, layer, &done, &stop, mapped_nodes};
    const size_t workers = std::min(threads, group_count);
    std::vector<std::thread> helpers;
    size_t started = 1;
    for (; started < workers; ++started) {
        try {
            helpers.emplace_back(label_groups, std::cref(ctx), std::cref(groups), started, workers, false,
                                 progress_total, progress_base);
        } catch (const std::system_error &) {
            break; // no more threads: the groups of the missing workers run here
        }
    }
    label_groups(ctx, groups, 0, workers, true, progress_total, progress_base);
    for (size_t w = started; w < workers; ++w)
        label_groups(ctx, groups, w, workers, true, progress_total, progress_base);
    for (auto &t : helpers) t.join();
    if (stop.load() || cancel_requested(call)) return make_error(Errc::cancelled, "pc1: cancelled");
    return {};
}

// Maps memory ahead of the labelling on a helper thread (see run()).
class Prefaulter {
public:
    ~Prefaulter() { join(); }

    void start(std::vector<uint8_t *> first, uint64_t bytes, const void *cache, uint64_t cache_bytes,
               std::vector<HugeBuffer *> second)
    {
        auto body = [this, first = std::move(first), bytes, cache, cache_bytes, second = std::move(second)] {
            constexpr uint64_t kStep = 2u << 20;
            for (uint64_t offset = 0; offset < bytes; offset += kStep) {
                const uint64_t end = std::min(bytes, offset + kStep);
                for (uint8_t *buffer : first)
                    for (uint64_t o = offset; o < end; o += 4096) reinterpret_cast<volatile uint8_t *>(buffer)[o] = 0;
                mapped_nodes_.store(end / 32, std::memory_order_release);
            }
            mapped_nodes_.store(UINT64_MAX, std::memory_order_release);
            populate_read(cache, cache_bytes);
            for (HugeBuffer *buffer : second) buffer->populate();
        };
        try {
            thread_ = std::thread(std::move(body));
        } catch (const std::system_error &) {
            mapped_nodes_.store(UINT64_MAX); // faults happen where they happen
        }
    }
    const std::atomic<uint64_t> *ready_nodes() const { return &mapped_nodes_; }
    void join()
    {
        if (thread_.joinable()) thread_.join();
    }

private:
    std::thread thread_;
    std::atomic<uint64_t> mapped_nodes_{0};
};

// Each sector's two layer buffers (one for a single-layer proof).
Result<std::vector<std::unique_ptr<SectorRun>>> allocate_sector_runs(const Pc1Job &job, uint64_t bytes)
{
    const uint32_t layers = job.proof->layers;
    std::vector<std::unique_ptr<SectorRun>> sectors;
    for (const Pc1SectorSpec &spec : job.sectors) {
        auto s = std::make_unique<SectorRun>();
        s->index = spec.index;
        s->first_layer = spec.first_layer;
        s->cache_dir = spec.cache_dir;
        std::memcpy(s->replica_words, spec.replica_words, sizeof s->replica_words);
        s->cur = HugeBuffer::allocate(bytes);
        if (layers > 1) s->prev = HugeBuffer::allocate(bytes);
        if (!s->cur || (layers > 1 && !s->prev))
            return make_error(Errc::no_memory, "pc1: cannot allocate 2 x " + std::to_string(bytes) +
                                                   " bytes for the layers of sector " + std::to_string(spec.index));
        sectors.push_back(std::move(s));
    }
    return sectors;
}

// Page faults inside the SHA chain cost far more than touching the memory
// beforehand (~1.5 s per 512 MiB layer on the VM hosts measured), so a
// helper thread maps everything in order ahead of the labelling: the first
// layer's buffers (labelling waits until its chunk is mapped), the parent
// cache, then the second buffers (joined before layer 2).
void start_prefaulter(Prefaulter &prefaulter, const std::vector<std::unique_ptr<SectorRun>> &sectors, uint64_t bytes,
                      const ParentCache &cache, uint64_t nodes)
{
    std::vector<uint8_t *> first_buffers;
    std::vector<HugeBuffer *> second_buffers;
    for (auto &s : sectors) {
        first_buffers.push_back(s->cur.data());
        if (s->first_layer == 1 && s->prev) second_buffers.push_back(&s->prev);
    }
    prefaulter.start(std::move(first_buffers), bytes, cache.parents(0), nodes * kParentCacheEntryBytes,
                     std::move(second_buffers));
}

} // namespace

Status run_pc1_single(const Pc1Job &job)
{
    const dmc_call *call = job.call;
    const dmc_pc1_args *args = job.args;
    const uint64_t nodes = job.proof->nodes();
    const uint64_t bytes = nodes * 32;
    const uint32_t layers = job.proof->layers;
    const ParentCache &cache = *job.cache;
    const uint64_t progress_total = job.progress_total;

    auto allocated = allocate_sector_runs(job, bytes);
    if (!allocated) return allocated.error();
    std::vector<std::unique_ptr<SectorRun>> sectors = std::move(allocated).value();
    Prefaulter prefaulter;
    start_prefaulter(prefaulter, sectors, bytes, cache, nodes);

    uint32_t first = layers;
    for (auto &s : sectors) first = std::min(first, s->first_layer);
    // The writer of the previous layer runs until the end of this one.
    std::unique_ptr<LayerWriter> previous;
    auto report = [&](LayerWriter &writer) {
        if (args->layer_done)
            for (const auto &t : writer.targets())
                args->layer_done(args->layer_done_user, t.sector_index, writer.layer());
    };
    uint64_t progress_done = 0;
    for (uint32_t layer = first; layer <= layers; ++layer) {
        std::vector<SectorRun *> active;
        for (auto &s : sectors) {
            if (s->first_layer > layer) continue;
            if (s->first_layer == layer && layer > 1) DMC_TRY_VOID(read_layer(*s, layer - 1, s->prev.data(), bytes));
            active.push_back(s.get());
        }
        std::vector<LayerWriter::Target> targets;
        for (SectorRun *s : active) targets.push_back({s->index, pc1_layer_path(s->cache_dir, layer), s->cur.data()});
        auto current = std::make_unique<LayerWriter>();
        DMC_TRY_VOID(current->start(layer, std::move(targets), nodes));
        Status labelled_ok = label_layer(call, cache, nodes, layer, active, *current, progress_done, progress_total,
                                         layer == first ? prefaulter.ready_nodes() : nullptr);
        if (labelled_ok)
            current->finish();
        else
            current->abandon();
        // The previous layer is durable (or failed) before this one is reported or its buffer reused.
        if (previous) {
            Status written = previous->wait();
            if (written) report(*previous);
            DMC_TRY_VOID(written);
        }
        if (!labelled_ok) {
            (void)current->wait();
            return labelled_ok;
        }
        progress_done += active.size() * nodes;
        prefaulter.join(); // before any second buffer is written
        for (SectorRun *s : active) s->cur.swap(s->prev);
        previous = std::move(current);
        if (layer == layers) {
            DMC_TRY_VOID(previous->wait());
            report(*previous);
        }
        if (call->progress) call->progress(call->progress_user, progress_done, progress_total);
    }
    return {};
}

} // namespace dmc::avx512
