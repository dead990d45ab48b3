// SPDX-License-Identifier: Apache-2.0
#include "batch_layer_writer.hpp"

#include <fcntl.h>

#include <algorithm>
#include <chrono>
#include <system_error>

#include "damocles/sdk/parent_cache.hpp"

namespace dmc::avx512 {

namespace {

// Parent cache entries kept faulted in ahead of the labelling.
constexpr uint64_t kParentsAheadNodes = 1u << 17;
constexpr auto kPollInterval = std::chrono::milliseconds(5);

} // namespace

BatchLayerWriter::~BatchLayerWriter()
{
    if (thread_.joinable()) {
        abandon();
        thread_.join();
    }
}

Status BatchLayerWriter::start(uint32_t layer, std::vector<Target> targets, const Source &source)
{
    layer_ = layer;
    source_ = source;
    targets_ = std::move(targets);
    for (const auto &t : targets_) {
        AtomicFileWriter file;
        DMC_TRY_ASSIGN(file, AtomicFileWriter::create(t.path));
        files_.push_back(std::move(file));
    }
    bounce_.resize(targets_.size() * kChunkNodes * 32);
    try {
        thread_ = std::thread([this] { run(); });
    } catch (const std::system_error &e) {
        // The labelling cannot go past the ring without this thread.
        return make_error(Errc::no_memory, std::string("pc1: cannot start the layer writer thread: ") + e.what());
    }
    return {};
}

void BatchLayerWriter::finish()
{
    {
        std::lock_guard lock(mutex_);
        phase_ = Phase::finishing;
    }
    wake_.notify_all();
}

void BatchLayerWriter::abandon()
{
    {
        std::lock_guard lock(mutex_);
        phase_ = Phase::abandoning;
    }
    wake_.notify_all();
}

Status BatchLayerWriter::wait_copied_out()
{
    std::unique_lock lock(mutex_);
    if (thread_.joinable()) wake_.wait(lock, [this] { return copied_out_; });
    return result_;
}

Status BatchLayerWriter::wait()
{
    if (thread_.joinable()) thread_.join();
    if (!done_) {
        files_.clear(); // removes the temporaries
        done_ = true;
        if (result_) result_ = make_error(Errc::cancelled, "pc1: layer " + std::to_string(layer_) + " abandoned");
    }
    return result_;
}

void BatchLayerWriter::stop_waiters(const Status &st)
{
    if (!st) result_ = st;
    // The labelling must never wait for this writer again, nor the caller for its copy.
    flushed_.store(source_.nodes, std::memory_order_release);
    copied_out_ = true;
    wake_.notify_all();
}

void BatchLayerWriter::populate_parents()
{
    if (!source_.parent_cache || parents_ready_ >= source_.nodes) return;
    const uint64_t want = std::min(source_.nodes, labelled_.load(std::memory_order_acquire) + kParentsAheadNodes);
    if (want <= parents_ready_) return;
    populate_read(source_.parent_cache + parents_ready_ * kParentCacheEntryBytes,
                  (want - parents_ready_) * kParentCacheEntryBytes);
    parents_ready_ = want;
}

Status BatchLayerWriter::write_chunk(uint64_t end)
{
    const uint64_t begin = flushed_.load(std::memory_order_relaxed);
    const uint64_t count = end - begin;
    const uint64_t pitch = source_.layout.pitch();
    // Chunks start at multiples of kChunkNodes, so one never wraps the ring.
    const uint8_t *blocks = source_.ring + (begin & source_.ring_mask) * pitch;
    DMC_TRY_VOID(source_.scratch->write(begin * pitch, blocks, count * pitch));

    std::vector<uint8_t *> outs(source_.layout.slots, nullptr);
    for (size_t i = 0; i < targets_.size(); ++i) outs[targets_[i].slot] = bounce_.data() + i * kChunkNodes * 32;
    deinterleave(source_.layout, blocks, count, outs.data());
    const uint64_t offset = begin * 32, bytes = count * 32;
    for (size_t i = 0; i < targets_.size(); ++i) {
        DMC_TRY_VOID(files_[i].write_at(offset, std::span<const uint8_t>(outs[targets_[i].slot], bytes)));
        const int fd = files_[i].fd();
        // Start the writeback of this chunk now, and wait for the one two
        // chunks back, then drop it from the page cache: each file keeps at
        // most a few MiB dirty, so commit's fsync at the end of the layer
        // has almost nothing left to write (with 16 sectors, letting the
        // kernel flush on its own left ~2 GiB for the last layer's fsync),
        // and the layer files do not crowd the scratch out of the cache.
        ::sync_file_range(fd, static_cast<off_t>(offset), static_cast<off_t>(bytes), SYNC_FILE_RANGE_WRITE);
        if (offset >= 2 * kChunkNodes * 32) {
            const off_t older = static_cast<off_t>(offset - 2 * kChunkNodes * 32);
            ::sync_file_range(fd, older, static_cast<off_t>(kChunkNodes * 32),
                              SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
            ::posix_fadvise(fd, older, static_cast<off_t>(kChunkNodes * 32), POSIX_FADV_DONTNEED);
        }
    }
    flushed_.store(end, std::memory_order_release);
    return {};
}

Status BatchLayerWriter::write_available(bool all)
{
    for (;;) {
        const uint64_t flushed = flushed_.load(std::memory_order_relaxed);
        const uint64_t labelled = std::min(source_.nodes, labelled_.load(std::memory_order_acquire));
        if (labelled <= flushed || (!all && labelled - flushed < kChunkNodes)) return {};
        DMC_TRY_VOID(write_chunk(std::min(labelled, flushed + kChunkNodes)));
        if (!all) return {}; // back to the parent cache between chunks
    }
}

Status BatchLayerWriter::commit_all()
{
    const uint64_t flushed = flushed_.load(std::memory_order_relaxed);
    if (flushed != source_.nodes)
        return make_error(Errc::internal, "pc1: layer " + std::to_string(layer_) + " finished with " +
                                              std::to_string(flushed) + " of " + std::to_string(source_.nodes) +
                                              " nodes labelled");
    for (auto &file : files_) DMC_TRY_VOID(file.commit());
    return {};
}

void BatchLayerWriter::run()
{
    std::unique_lock lock(mutex_);
    for (;;) {
        const Phase phase = phase_;
        if (phase == Phase::abandoning) {
            stop_waiters({});
            return;
        }
        lock.unlock();
        populate_parents();
        Status st = write_available(phase == Phase::finishing);
        if (phase == Phase::finishing) {
            lock.lock();
            stop_waiters(st); // the scratch is complete, or the writer failed
            lock.unlock();
        }
        if (st && phase == Phase::finishing) st = commit_all();
        const bool more =
            st && phase == Phase::running &&
            labelled_.load(std::memory_order_acquire) >= flushed_.load(std::memory_order_relaxed) + kChunkNodes;
        lock.lock();
        if (!st) stop_waiters(st);
        if (!st || phase == Phase::finishing) {
            result_ = st;
            done_ = st.ok();
            // A failed writer waits to be abandoned or finished, writing nothing more.
            if (!st) wake_.wait(lock, [this] { return phase_ != Phase::running; });
            return;
        }
        if (!more) wake_.wait_for(lock, kPollInterval, [this] { return phase_ != Phase::running; });
    }
}

} // namespace dmc::avx512
