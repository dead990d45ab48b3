// SPDX-License-Identifier: Apache-2.0
//
// Batch PC1 (pc1_batch.hpp). Per layer, on the calling thread: every worker
// creates its layer's scratch, loads the resumed sectors that join at this
// layer and starts its writer; the workers label the layer on their threads
// (worker 0 on the calling thread); each finishes its writer, whose commit
// runs while the next layer is labelled; then the previous layer's writers
// are waited for and its layer_done calls made, and its scratch is freed.
// A worker's scratch of layer l lives until the end of layer l+1: it is the
// previous layer there, and its writer reads it until then.
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
#include "lane_label_kernel.hpp"
#include "sdr_label_kernel.hpp"

namespace dmc::avx512 {

namespace {

constexpr uint64_t kPollNodes = 4096; // cancel and progress granularity

struct LayerShared {
    const Pc1Job *job;
    uint32_t layer;
    uint64_t progress_base;            // nodes of earlier layers, all sectors
    std::atomic<uint64_t> done{0};     // nodes labelled in this layer, all workers
    std::atomic<bool> stop{false};     // cancel seen by some worker
};

class BatchWorker {
public:
    BatchWorker(const Pc1Job &job, const Pc1WorkerPlan &plan);

    Status begin_layer(uint32_t layer);
    void label(LayerShared &shared, bool report_progress);
    void end_layer(bool ok);
    // Waits for the previous layer's files; on success makes its layer_done calls.
    Status wait_previous();
    Status wait_current();
    void advance();
    // After the last layer's advance(): frees its scratch as soon as the
    // writer has copied every node out (dropping its dirty pages instead of
    // letting the kernel write them back while the layer files are
    // fsynced), then waits for the files as wait_previous().
    Status finish_last();

private:
    struct Member {
        const Pc1SectorSpec *sector;
        unsigned slot;
    };
    void label_chunk(uint32_t layer, uint64_t begin, uint64_t end);

    const Pc1Job &job_;
    Pc1Engine engine_;
    BatchLayout layout_;
    std::vector<Member> members_;
    std::vector<const Member *> active_; // members labelled in the current layer
    std::string dir_;
    alignas(64) uint32_t lane_replica_words_[8 * 16] = {};
    BatchScratch cur_, prev_;
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
}

Status BatchWorker::begin_layer(uint32_t layer)
{
    active_.clear();
    for (const Member &m : members_)
        if (m.sector->first_layer <= layer) active_.push_back(&m);
    if (active_.empty()) return {};
    const uint64_t nodes = job_.proof->nodes();
    const uint64_t bytes = nodes * layout_.pitch();
    DMC_TRY_ASSIGN(cur_, BatchScratch::create(dir_, bytes));
    for (const Member *m : active_) {
        if (m->sector->first_layer != layer || layer == 1) continue;
        if (!prev_) {
            DMC_TRY_ASSIGN(prev_, BatchScratch::create(dir_, bytes));
        }
        MappedFile file;
        DMC_TRY_ASSIGN(file, open_resume_layer(m->sector->cache_dir, layer - 1, nodes * 32));
        interleave_slot(layout_, file.data(), nodes, m->slot, prev_.data());
    }
    std::vector<BatchLayerWriter::Target> targets;
    for (const Member *m : active_)
        targets.push_back({m->sector->index, m->slot, pc1_layer_path(m->sector->cache_dir, layer)});
    BatchLayerWriter::Source source;
    source.layout = layout_;
    source.blocks = cur_.data();
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
        view.cur = cur_.data();
        view.prev = layer > 1 ? prev_.data() : nullptr;
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
            views[k].cur = cur_.data() + 32 * m.slot;
            views[k].prev = layer > 1 ? prev_.data() + 32 * m.slot : nullptr;
            views[k].pitch = layout_.pitch();
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
    const std::atomic<uint64_t> &ready = current_->ready_nodes();
    for (uint64_t begin = 0; begin < nodes; begin += kPollNodes) {
        if (plugin::cancel_requested(call)) shared.stop.store(true, std::memory_order_relaxed);
        if (shared.stop.load(std::memory_order_relaxed)) return;
        const uint64_t end = std::min(nodes, begin + kPollNodes);
        // Nothing is written where the writer has not faulted the pages in yet.
        while (ready.load(std::memory_order_acquire) < end) {
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

Status BatchWorker::finish_last()
{
    if (previous_) previous_->wait_copied_out();
    prev_ = BatchScratch();
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
        // The previous layer is durable (or failed) before its scratch is freed.
        Status first_error;
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
