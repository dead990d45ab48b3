// SPDX-License-Identifier: Apache-2.0
//
// Batch PC1 (pc1_batch.hpp). Per layer, on the calling thread: every worker
// creates its layer's scratch file, loads the resumed sectors that join at
// this layer into the previous layer's and starts its writer; the workers
// label the layer on their threads (worker 0 on the calling thread), each
// node's block going into the worker's ring; each then finishes its writer
// and waits until the ring's tail is in the scratch (the next layer reads
// it in full), while the layer files' commit runs on during the next layer;
// then the previous layer's writers are waited for, its layer_done calls
// made and its scratch freed. A worker's scratch of layer l lives until the
// end of layer l+1, where it is the previous layer.
//
// The ring holds the last kRingNodes nodes of the layer being labelled in
// anonymous (huge page) memory: nearly every base parent is close behind
// its node, and reads it there; older ones are read from the scratch
// mapping, which the writer fills chunk by chunk behind the labelling.
#include "pc1_batch.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <system_error>
#include <thread>

#include "batch_layer_writer.hpp"
#include "batch_scratch.hpp"
#include "damocles/sdk/stage_support.hpp"
#include "huge_buffer.hpp"
#include "lane_label_kernel.hpp"
#include "sdr_label_kernel.hpp"

namespace dmc::avx512 {

namespace {

constexpr uint64_t kPollNodes = 4096; // cancel and progress granularity
// Nodes of the ring: 4 MiB per sector, 0.5 s of labelling, several writer
// chunks (a multiple of BatchLayerWriter::kChunkNodes; a power of two).
constexpr uint64_t kRingNodes = 1u << 17;
static_assert(kRingNodes % BatchLayerWriter::kChunkNodes == 0 && (kRingNodes & (kRingNodes - 1)) == 0);

struct LayerShared {
    const Pc1Job *job;
    uint32_t layer;
    uint64_t progress_base;        // nodes of earlier layers, all sectors
    std::atomic<uint64_t> done{0}; // nodes labelled in this layer, all workers
    std::atomic<bool> stop{false}; // cancel seen by some worker
};

class BatchWorker {
public:
    BatchWorker(const Pc1Job &job, const Pc1WorkerPlan &plan);

    Status begin_layer(uint32_t layer);
    void label(LayerShared &shared, bool report_progress);
    void end_layer(bool ok);
    // After end_layer(): the layer is complete in its scratch (or abandoned);
    // not ok when its writer failed.
    Status wait_copied_out();
    // Waits for the previous layer's files; on success makes its layer_done calls.
    Status wait_previous();
    Status wait_current();
    void advance();
    // After the last layer's advance(): frees its scratch (dropping its dirty
    // pages instead of letting the kernel write them back while the layer
    // files are fsynced), then waits for the files as wait_previous().
    Status finish_last();

private:
    struct Member {
        const Pc1SectorSpec *sector;
        unsigned slot;
    };
    void label_chunk(uint32_t layer, uint64_t begin, uint64_t end);
    Status load_resumed(uint32_t layer);

    const Pc1Job &job_;
    Pc1Engine engine_;
    BatchLayout layout_;
    std::vector<Member> members_;
    std::vector<const Member *> active_; // members labelled in the current layer
    std::string dir_;
    alignas(64) uint32_t lane_replica_words_[8 * 16] = {};
    uint64_t ring_nodes_ = 0;
    HugeBuffer ring_;
    // Held by pointer: a writer reads its layer's scratch through its address.
    std::unique_ptr<BatchScratch> cur_, prev_;
    std::unique_ptr<BatchLayerWriter> current_, previous_;
};

BatchWorker::BatchWorker(const Pc1Job &job, const Pc1WorkerPlan &plan) : job_(job), engine_(plan.engine)
{
    const unsigned count = static_cast<unsigned>(plan.sectors.size());
    if (engine_ == Pc1Engine::sha_ni)
        layout_ = {SlotArrangement::bytes, count + (count & 1)}; // whole cache lines per block
    else
        layout_ = {SlotArrangement::words, engine_ == Pc1Engine::lanes8 ? 8u : 16u};
    for (unsigned slot = 0; slot < count; ++slot) {
        const Pc1SectorSpec &sector = job.sectors[plan.sectors[slot]];
        members_.push_back({&sector, slot});
        for (unsigned j = 0; j < 8; ++j) lane_replica_words_[j * layout_.slots + slot] = sector.replica_words[j];
    }
    dir_ = members_.front().sector->cache_dir;
    ring_nodes_ = std::min(kRingNodes, job.proof->nodes()); // both powers of two
}

// The previous layer's slots of the sectors that join the batch at `layer`,
// from their layer files, chunk by chunk (written as whole 2 MiB pages).
Status BatchWorker::load_resumed(uint32_t layer)
{
    std::vector<const Member *> joining;
    for (const Member *m : active_)
        if (m->sector->first_layer == layer && layer > 1) joining.push_back(m);
    if (joining.empty()) return {};
    const uint64_t nodes = job_.proof->nodes(), pitch = layout_.pitch();
    if (!prev_) {
        auto created = BatchScratch::create(dir_, nodes * pitch);
        if (!created) return created.error();
        prev_ = std::make_unique<BatchScratch>(std::move(created).value());
    }
    std::vector<MappedFile> files;
    for (const Member *m : joining) {
        MappedFile file;
        DMC_TRY_ASSIGN(file, open_resume_layer(m->sector->cache_dir, layer - 1, nodes * 32));
        files.push_back(std::move(file));
    }
    std::vector<uint8_t> chunk(BatchLayerWriter::kChunkNodes * pitch);
    for (uint64_t begin = 0; begin < nodes; begin += BatchLayerWriter::kChunkNodes) {
        const uint64_t count = std::min(BatchLayerWriter::kChunkNodes, nodes - begin);
        DMC_TRY_VOID(prev_->read(begin * pitch, chunk.data(), count * pitch));
        for (size_t i = 0; i < joining.size(); ++i)
            interleave_slot(layout_, files[i].data() + begin * 32, count, joining[i]->slot, chunk.data());
        DMC_TRY_VOID(prev_->write(begin * pitch, chunk.data(), count * pitch));
    }
    return {};
}

Status BatchWorker::begin_layer(uint32_t layer)
{
    active_.clear();
    for (const Member &m : members_)
        if (m.sector->first_layer <= layer) active_.push_back(&m);
    if (active_.empty()) return {};
    const uint64_t nodes = job_.proof->nodes();
    if (!ring_) {
        ring_ = HugeBuffer::allocate(ring_nodes_ * layout_.pitch());
        if (!ring_) return make_error(Errc::no_memory, "pc1: cannot allocate the batch ring");
        ring_.populate();
    }
    auto created = BatchScratch::create(dir_, nodes * layout_.pitch());
    if (!created) return created.error();
    cur_ = std::make_unique<BatchScratch>(std::move(created).value());
    DMC_TRY_VOID(load_resumed(layer));
    std::vector<BatchLayerWriter::Target> targets;
    for (const Member *m : active_)
        targets.push_back({m->sector->index, m->slot, pc1_layer_path(m->sector->cache_dir, layer)});
    BatchLayerWriter::Source source;
    source.layout = layout_;
    source.ring = ring_.data();
    source.ring_mask = ring_nodes_ - 1;
    source.scratch = cur_.get();
    source.parent_cache = reinterpret_cast<const uint8_t *>(job_.cache->parents(0));
    source.nodes = nodes;
    current_ = std::make_unique<BatchLayerWriter>();
    return current_->start(layer, std::move(targets), source);
}

void BatchWorker::label_chunk(uint32_t layer, uint64_t begin, uint64_t end)
{
    const uint64_t nodes = job_.proof->nodes();
    const uint32_t *parents = job_.cache->parents(0);
    if (engine_ != Pc1Engine::sha_ni) {
        LaneLayerView view;
        view.lanes = layout_.slots;
        view.cur = ring_.data();
        view.cur_old = cur_->data();
        view.prev = layer > 1 ? prev_->data() : nullptr;
        view.ring_mask = ring_nodes_ - 1;
        view.replica_words = lane_replica_words_;
        if (begin == 0) label_lane_node_zero(view, layer);
        label_lane_nodes(view, parents, nodes, layer, std::max<uint64_t>(begin, 1), end);
        return;
    }
    // Groups of up to kMaxInterleavedSectors chains, balanced, one after the other.
    const size_t groups = (active_.size() + kMaxInterleavedSectors - 1) / kMaxInterleavedSectors;
    size_t next = 0;
    for (size_t g = 0; g < groups; ++g) {
        const size_t size = active_.size() / groups + (g < active_.size() % groups ? 1 : 0);
        SectorLayerView views[kMaxInterleavedSectors];
        for (size_t k = 0; k < size; ++k) {
            const Member &m = *active_[next + k];
            views[k].cur = ring_.data() + 32 * m.slot;
            views[k].cur_old = cur_->data() + 32 * m.slot;
            views[k].prev = layer > 1 ? prev_->data() + 32 * m.slot : nullptr;
            views[k].pitch = layout_.pitch();
            views[k].ring_mask = ring_nodes_ - 1;
            std::memcpy(views[k].replica_words, m.sector->replica_words, sizeof views[k].replica_words);
            if (begin == 0) label_node_zero(views[k], layer);
        }
        label_nodes(std::span<const SectorLayerView>(views, size), parents, nodes, layer, std::max<uint64_t>(begin, 1),
                    end);
        next += size;
    }
}

void BatchWorker::label(LayerShared &shared, bool report_progress)
{
    if (active_.empty()) return;
    const dmc_call *call = shared.job->call;
    const uint64_t nodes = job_.proof->nodes();
    std::atomic<uint64_t> &labelled = current_->labelled_nodes();
    const std::atomic<uint64_t> &flushed = current_->flushed_nodes();
    for (uint64_t begin = 0; begin < nodes; begin += kPollNodes) {
        if (plugin::cancel_requested(call)) shared.stop.store(true, std::memory_order_relaxed);
        if (shared.stop.load(std::memory_order_relaxed)) return;
        const uint64_t end = std::min(nodes, begin + kPollNodes);
        // Ring slots are reused, and the scratch read, only behind the writer.
        while (end > ring_nodes_ && flushed.load(std::memory_order_acquire) < end - ring_nodes_) {
            if (shared.stop.load(std::memory_order_relaxed)) return;
            std::this_thread::yield();
        }
        label_chunk(shared.layer, begin, end);
        labelled.store(end, std::memory_order_release);
        const uint64_t count = (end - begin) * active_.size();
        const uint64_t now = shared.done.fetch_add(count, std::memory_order_relaxed) + count;
        if (report_progress && call->progress)
            call->progress(call->progress_user, shared.progress_base + now, shared.job->progress_total);
    }
}

void BatchWorker::end_layer(bool ok)
{
    if (!current_) return;
    if (ok)
        current_->finish();
    else
        current_->abandon();
}

Status BatchWorker::wait_previous()
{
    if (!previous_) return {};
    Status st = previous_->wait();
    if (st && job_.args->layer_done)
        for (const auto &t : previous_->targets())
            job_.args->layer_done(job_.args->layer_done_user, t.sector_index, previous_->layer());
    previous_.reset();
    return st;
}

Status BatchWorker::wait_current()
{
    if (!current_) return {};
    Status st = current_->wait();
    current_.reset();
    return st;
}

Status BatchWorker::wait_copied_out() { return current_ ? current_->wait_copied_out() : Status(); }

Status BatchWorker::finish_last()
{
    prev_.reset();
    return wait_previous();
}

void BatchWorker::advance()
{
    previous_ = std::move(current_);
    prev_ = std::move(cur_); // frees the layer before (its writer is done)
}

// Runs the labelling of one layer on the workers' threads.
void label_layer(std::vector<std::unique_ptr<BatchWorker>> &workers, LayerShared &shared)
{
    std::vector<std::thread> helpers;
    size_t started = 1;
    for (; started < workers.size(); ++started) {
        try {
            helpers.emplace_back([&workers, &shared, started] { workers[started]->label(shared, false); });
        } catch (const std::system_error &) {
            break; // no more threads: the rest run here
        }
    }
    workers[0]->label(shared, true);
    for (size_t w = started; w < workers.size(); ++w) workers[w]->label(shared, true);
    for (auto &t : helpers) t.join();
}

} // namespace

Status run_pc1_batch(const Pc1Job &job, const std::vector<Pc1WorkerPlan> &plans)
{
    std::vector<std::unique_ptr<BatchWorker>> workers;
    for (const auto &plan : plans) workers.push_back(std::make_unique<BatchWorker>(job, plan));
    const uint32_t layers = job.proof->layers;
    uint32_t first = layers;
    for (const auto &s : job.sectors) first = std::min(first, s.first_layer);

    uint64_t progress_base = 0;
    for (uint32_t layer = first; layer <= layers; ++layer) {
        for (auto &w : workers) DMC_TRY_VOID(w->begin_layer(layer));
        LayerShared shared{&job, layer, progress_base};
        label_layer(workers, shared);
        const bool ok = !shared.stop.load() && !plugin::cancel_requested(job.call);
        for (auto &w : workers) w->end_layer(ok);
        Status first_error;
        for (auto &w : workers) {
            Status st = w->wait_copied_out();
            if (!st && first_error) first_error = st;
        }
        // The previous layer is durable (or failed) before its scratch is freed.
        for (auto &w : workers) {
            Status st = w->wait_previous();
            if (!st && first_error) first_error = st;
        }
        if (!ok || !first_error) {
            for (auto &w : workers) (void)w->wait_current();
            return ok ? first_error : make_error(Errc::cancelled, "pc1: cancelled");
        }
        for (auto &w : workers) w->advance();
        progress_base += shared.done.load();
        if (job.call->progress) job.call->progress(job.call->progress_user, progress_base, job.progress_total);
    }
    Status first_error;
    for (auto &w : workers) {
        Status st = w->finish_last();
        if (!st && first_error) first_error = st;
    }
    return first_error;
}

} // namespace dmc::avx512
