// SPDX-License-Identifier: Apache-2.0
//
// pc1 stage of the avx512 plugin (sdr.md §6): the SDR labels of every layer
// of 1..4 sectors per call, hashed by the SHA-NI kernel
// (sdr_label_kernel.cpp), written as <cache_dir>/sc-02-data-layer-<l>.dat.
// The files, the layer_done checkpoints, cancellation and first_layer resume
// behave exactly as in the cpu stage.
//
// Memory: two anonymous N·32-byte buffers per sector, the layer being
// labelled and the previous one (huge pages where available: both are read
// at random), so peak anonymous memory is 2 S per sector plus a few pages.
// Holding the previous layer in RAM instead of re-reading its file also lets
// a finished layer be written while the next one is labelled: the buffer is
// only read by then. The write is joined, and layer_done called, before the
// buffer is reused; only the last layer's write is on the critical path.
//
// Sectors and threads: the sectors of a call share the graph, so they are
// labelled node by node together. With call->threads = T they are split
// into min(T, sectors) groups of near-equal size, one thread per group; a
// group of several sectors interleaves their SHA chains in one thread (the
// multi-sector mode). A resumed sector (first_layer > 1) joins the others
// at its first layer, after its previous layer was read from its file.
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

Status write_layer(const SectorRun &sector, uint32_t layer, const uint8_t *labels, uint64_t bytes)
{
    AtomicFileWriter out;
    DMC_TRY_ASSIGN(out, AtomicFileWriter::create(layer_path(sector.cache_dir, layer)));
    DMC_TRY_VOID(out.write(std::span<const uint8_t>(labels, bytes)));
    return out.commit();
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

// The layer files of one finished layer, written on a helper thread while
// the next layer is labelled (inline when no thread can be started).
class LayerWriter {
public:
    ~LayerWriter()
    {
        if (thread_.joinable()) thread_.join();
    }

    void start(std::vector<SectorRun *> sectors, uint32_t layer, uint64_t bytes)
    {
        sectors_ = std::move(sectors);
        layer_ = layer;
        auto body = [this, bytes] {
            for (SectorRun *s : sectors_) {
                // The buffer just labelled is the next layer's `prev` (swapped before labelling starts).
                result_ = write_layer(*s, layer_, s->prev.data(), bytes);
                if (!result_) return;
            }
        };
        try {
            thread_ = std::thread(body);
        } catch (const std::system_error &) {
            body();
        }
        pending_ = true;
    }

    // Waits for the write; the layer is durable when this returns ok.
    Status join()
    {
        if (thread_.joinable()) thread_.join();
        return result_;
    }
    bool pending() const { return pending_; }
    // Calls layer_done for the written layer once (after a successful join).
    void report(const dmc_pc1_args *args)
    {
        if (pending_ && result_ && args->layer_done)
            for (SectorRun *s : sectors_) args->layer_done(args->layer_done_user, s->index, layer_);
        pending_ = false;
    }

private:
    std::thread thread_;
    std::vector<SectorRun *> sectors_;
    uint32_t layer_ = 0;
    Status result_;
    bool pending_ = false;
};

struct LayerContext {
    const dmc_call *call;
    const ParentCache *cache;
    uint64_t nodes;
    uint32_t layer;
    std::atomic<uint64_t> *done;   // nodes labelled, all sectors of the call
    std::atomic<bool> *stop;       // set on cancel
};

// Labels the whole layer for one group of sectors; polls cancel between chunks.
void label_group(const LayerContext &ctx, std::vector<SectorLayerView> views, bool report_progress, uint64_t total,
                 uint64_t base_done)
{
    for (auto &view : views) label_node_zero(view, ctx.layer);
    for (uint64_t begin = 1; begin < ctx.nodes; begin += kPollNodes) {
        if (cancel_requested(ctx.call)) ctx.stop->store(true, std::memory_order_relaxed);
        if (ctx.stop->load(std::memory_order_relaxed)) return;
        const uint64_t end = std::min(ctx.nodes, begin + kPollNodes);
        label_nodes(views, ctx.cache->parents(0), ctx.nodes, ctx.layer, begin, end);
        const uint64_t now = ctx.done->fetch_add((end - begin) * views.size(), std::memory_order_relaxed) +
                             (end - begin) * views.size();
        if (report_progress && ctx.call->progress) ctx.call->progress(ctx.call->progress_user, base_done + now, total);
    }
}

// One layer for the active sectors, split over min(threads, sectors) groups.
Status label_layer(const dmc_call *call, const ParentCache &cache, uint64_t nodes, uint32_t layer,
                   const std::vector<SectorRun *> &active, uint64_t progress_base, uint64_t progress_total)
{
    const unsigned threads = std::max(1u, call->threads);
    const size_t groups = std::min<size_t>(threads, active.size());
    std::vector<std::vector<SectorLayerView>> views(groups);
    for (size_t i = 0; i < active.size(); ++i) {
        SectorRun &s = *active[i];
        SectorLayerView v;
        v.cur = s.cur.data();
        v.prev = layer > 1 ? s.prev.data() : nullptr;
        std::memcpy(v.replica_words, s.replica_words, sizeof v.replica_words);
        views[i % groups].push_back(v);
    }
    std::atomic<uint64_t> done{0};
    std::atomic<bool> stop{false};
    const LayerContext ctx{call, &cache, nodes, layer, &done, &stop};
    std::vector<std::thread> helpers;
    size_t inline_from = groups;
    for (size_t g = 1; g < groups; ++g) {
        try {
            helpers.emplace_back(label_group, std::cref(ctx), views[g], false, progress_total, progress_base);
        } catch (const std::system_error &) {
            inline_from = g; // no more threads: the rest runs here, after group 0
            break;
        }
    }
    label_group(ctx, views[0], true, progress_total, progress_base);
    for (size_t g = inline_from; g < groups; ++g) label_group(ctx, views[g], true, progress_total, progress_base);
    for (auto &t : helpers) t.join();
    if (stop.load() || cancel_requested(call)) return make_error(Errc::cancelled, "pc1: cancelled");
    return {};
}

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
    if (args->num_sectors < 1 || args->num_sectors > kMaxInterleavedSectors)
        return make_error(Errc::invalid_argument, "the avx512 stage takes 1.." + std::to_string(kMaxInterleavedSectors) +
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

    uint32_t first = layers;
    for (auto &s : sectors) first = std::min(first, s->first_layer);
    LayerWriter writer;
    uint64_t progress_done = 0;
    for (uint32_t layer = first; layer <= layers; ++layer) {
        std::vector<SectorRun *> active;
        for (auto &s : sectors) {
            if (s->first_layer > layer) continue;
            if (s->first_layer == layer && layer > 1) DMC_TRY_VOID(read_layer(*s, layer - 1, s->prev.data(), bytes));
            active.push_back(s.get());
        }
        Status labelled = label_layer(call, cache, nodes, layer, active, progress_done, progress_total);
        // The previous layer's write: durable (or failed) before its buffer is reused.
        Status written = writer.join();
        if (written) writer.report(args);
        DMC_TRY_VOID(written);
        DMC_TRY_VOID(labelled);
        progress_done += active.size() * nodes;
        if (layer < layers) {
            for (SectorRun *s : active) s->cur.swap(s->prev);
            writer.start(active, layer, bytes);
        } else {
            for (SectorRun *s : active) DMC_TRY_VOID(write_layer(*s, layer, s->cur.data(), bytes));
            if (args->layer_done)
                for (SectorRun *s : active) args->layer_done(args->layer_done_user, s->index, layer);
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
