// SPDX-License-Identifier: Apache-2.0
//
// pc1 stage of the avx512 plugin (docs/algorithms.md §7): the SDR labels of every layer
// of 1..4 sectors per call, hashed by the SHA-NI kernel
// (sdr_label_kernel.cpp), written as <cache_dir>/sc-02-data-layer-<l>.dat.
// The files, the layer_done checkpoints, cancellation and first_layer resume
// behave exactly as in the cpu stage.
//
// Memory: two anonymous N·32-byte buffers per sector, the layer being
// labelled and the previous one (huge pages where available: both are read
// at random), so peak anonymous memory is 2 S per sector plus a few pages.
// Files: a LayerWriter streams each layer to its file while it is labelled
// and commits it while the next layer is labelled (the buffer is only read
// by then); it is waited for, and layer_done called, before the buffer is
// reused. Only the last layer's tail and fsync are on the critical path.
//
// Sectors and threads: the sectors of a call share the graph, so a group of
// them is labelled node by node together, their SHA chains interleaved in
// one thread (the multi-sector mode: 2 or 3 chains per thread measured 1.6-
// 1.7x the sectors/hour of one chain on Zen 5; 4 chains lost to register
// pressure, so 4 sectors are 2 groups of 2). With call->threads = T, the
// groups are spread over min(T, groups) threads; with T >= sectors each
// sector gets its own thread (lowest latency). A resumed sector
// (first_layer > 1) joins the others at its first layer, after its previous
// layer was read from its file.
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "avx512_stages.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/fr.hpp"
#include "damocles/sdk/parent_cache.hpp"
#include "damocles/sdk/proof.hpp"
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

std::string layer_path(const std::string &cache_dir, uint32_t layer)
{
    return cache_dir + "/sc-02-data-layer-" + std::to_string(layer) + ".dat";
}

Status read_layer(const SectorRun &sector, uint32_t layer, uint8_t *into, uint64_t bytes)
{
    const std::string path = layer_path(sector.cache_dir, layer);
    auto opened = MappedFile::open_read(path);
    if (!opened)
        return opened.error().context("pc1: resuming at layer " + std::to_string(layer + 1) + " needs layer " +
                                      std::to_string(layer));
    const MappedFile file = std::move(opened).value();
    if (file.size() != bytes)
        return make_error(Errc::invalid_argument, "pc1: layer file " + path + " has " + std::to_string(file.size()) +
                                                      " bytes, expected " + std::to_string(bytes));
    file.advise_sequential();
    std::memcpy(into, file.data(), bytes);
    return {};
}

struct LayerContext {
    const dmc_call *call;
    const ParentCache *cache;
    uint64_t nodes;
    uint32_t layer;
    std::atomic<uint64_t> *done;   // nodes labelled, all sectors of the call
    std::atomic<bool> *stop;       // set on cancel
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
    for (size_t g = first; g < groups.size(); g += stride) label_group(ctx, groups[g], report_progress, total, base_done);
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
    for (size_t w = started; w < workers; ++w) label_groups(ctx, groups, w, workers, true, progress_total, progress_base);
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
    // Page-cache pages of a read-only mapping: by the kernel where it can,
    // else by reading a word per page.
    static void populate_read(const void *data, uint64_t bytes)
    {
#ifdef MADV_POPULATE_READ
        if (::madvise(const_cast<void *>(data), bytes, MADV_POPULATE_READ) == 0) return;
#endif
        const auto *p = static_cast<const volatile uint8_t *>(data);
        for (uint64_t offset = 0; offset < bytes; offset += 4096) (void)p[offset];
    }

    std::thread thread_;
    std::atomic<uint64_t> mapped_nodes_{0};
};

Status check_sector(const dmc_pc1_sector &sector, const SealProof &proof)
{
    if (sector.struct_size < sizeof(dmc_pc1_sector))
        return make_error(Errc::invalid_argument, "pc1: sector struct is older than this plugin (struct_size too small)");
    if (!sector.cache_dir || !*sector.cache_dir) return make_error(Errc::invalid_argument, "pc1: no cache_dir given");
    if (sector.first_layer < 1 || sector.first_layer > proof.layers)
        return make_error(Errc::invalid_argument, "pc1: first_layer " + std::to_string(sector.first_layer) +
                                                      " is outside 1.." + std::to_string(proof.layers) + " for " +
                                                      proof.name);
    Bytes32 replica_id;
    std::memcpy(replica_id.data(), sector.replica_id, 32);
    if (!fr_bytes_valid(replica_id.data()))
        return make_error(Errc::invalid_argument, "pc1: replica_id is not a canonical field element");
    return {};
}

Status run(const dmc_call *call, const dmc_pc1_args *args)
{
    if (!args || args->struct_size < sizeof(dmc_pc1_args))
        return make_error(Errc::invalid_argument, "args struct is missing or older than this plugin (struct_size too small)");
    if (args->num_sectors < 1 || args->num_sectors > kMaxPc1Sectors)
        return make_error(Errc::invalid_argument, "the avx512 stage takes 1.." + std::to_string(kMaxPc1Sectors) +
                                                      " sectors per call, got " + std::to_string(args->num_sectors));
    if (!args->sectors) return make_error(Errc::invalid_argument, "no sectors given");
    const SealProof *proof = nullptr;
    DMC_TRY_ASSIGN(proof, find_seal_proof(args->registered_proof));
    if (!args->parent_cache_path || !*args->parent_cache_path)
        return make_error(Errc::invalid_argument, "no parent_cache_path given");
    const uint64_t nodes = proof->nodes();
    const uint64_t bytes = nodes * 32;
    const uint32_t layers = proof->layers;

    std::vector<std::unique_ptr<SectorRun>> sectors;
    uint64_t progress_total = 0;
    for (uint32_t i = 0; i < args->num_sectors; ++i) {
        const dmc_pc1_sector &in = args->sectors[i];
        DMC_TRY_VOID(check_sector(in, *proof));
        auto s = std::make_unique<SectorRun>();
        s->index = i;
        s->first_layer = in.first_layer;
        s->cache_dir = in.cache_dir;
        for (int w = 0; w < 8; ++w)
            s->replica_words[w] = uint32_t(in.replica_id[4 * w]) << 24 | uint32_t(in.replica_id[4 * w + 1]) << 16 |
                                  uint32_t(in.replica_id[4 * w + 2]) << 8 | uint32_t(in.replica_id[4 * w + 3]);
        DMC_TRY_VOID(make_dirs(s->cache_dir));
        s->cur = HugeBuffer::allocate(bytes);
        if (layers > 1) s->prev = HugeBuffer::allocate(bytes);
        if (!s->cur || (layers > 1 && !s->prev))
            return make_error(Errc::no_memory, "pc1: cannot allocate 2 x " + std::to_string(bytes) +
                                                   " bytes for the layers of sector " + std::to_string(i));
        progress_total += uint64_t(layers - in.first_layer + 1) * nodes;
        sectors.push_back(std::move(s));
    }
    ParentCache cache;
    DMC_TRY_ASSIGN(cache, ParentCache::open(args->parent_cache_path, nodes));

    // Page faults inside the SHA chain cost far more than touching the memory
    // beforehand (~1.5 s per 512 MiB layer on the VM hosts measured), so a
    // helper thread maps everything in order ahead of the labelling: the
    // first layer's buffers (labelling waits until its chunk is mapped), the
    // parent cache, then the second buffers (joined before layer 2).
    Prefaulter prefaulter;
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

    uint32_t first = layers;
    for (auto &s : sectors) first = std::min(first, s->first_layer);
    // The writer of the previous layer runs until the end of this one.
    std::unique_ptr<LayerWriter> previous;
    auto report = [&](LayerWriter &writer) {
        if (args->layer_done)
            for (const auto &t : writer.targets()) args->layer_done(args->layer_done_user, t.sector_index, writer.layer());
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
        for (SectorRun *s : active) targets.push_back({s->index, layer_path(s->cache_dir, layer), s->cur.data()});
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

dmc_status run_pc1(const dmc_call *call, dmc_pc1_args *args) noexcept
{
    return run_stage(call, "pc1", [&] { return run(call, args); });
}

} // namespace

extern const dmc_pc1_ops kAvx512Pc1Ops = {sizeof(dmc_pc1_ops), 0, &run_pc1};

} // namespace dmc::avx512
