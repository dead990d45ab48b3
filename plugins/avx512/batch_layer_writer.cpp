// SPDX-License-Identifier: Apache-2.0
#include "batch_layer_writer.hpp"

#include <fcntl.h>

#include <algorithm>
#include <chrono>
#include <system_error>

#include "batch_scratch.hpp"
#include "damocles/sdk/parent_cache.hpp"

namespace dmc::avx512 {

namespace {

// Nodes copied out per chunk: 1 MiB per sector, a few tens of ms of
// labelling, so the files trail the labelling closely with a small buffer.
constexpr uint64_t kChunkNodes = 1u << 15;
// Scratch kept faulted in ahead of the labelling: far more than the
// labelling covers while this thread writes a chunk or sleeps; faulted in
// steps, so that the labelling of a layer starts after the first step.
constexpr uint64_t kReadyBytes = 64u << 20;
constexpr uint64_t kPopulateStepBytes = 4u << 20;
constexpr auto kPollInterval = std::chrono::milliseconds(10);

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
    } catch (const std::system_error &) {
        ready_.store(source_.nodes, std::memory_order_release); // pages fault where they fault
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
    if (!thread_.joinable() && !done_) {
        result_ = write_available(true);
        if (result_) result_ = commit_all();
        done_ = true;
    }
}

void BatchLayerWriter::set_copied_out()
{
    {
        std::lock_guard lock(mutex_);
        copied_out_ = true;
    }
    wake_.notify_all();
}

void BatchLayerWriter::wait_copied_out()
{
    std::unique_lock lock(mutex_);
    if (!thread_.joinable()) return; // finish() did everything inline
    wake_.wait(lock, [this] { return copied_out_; });
}

void BatchLayerWriter::abandon()
{
    {
        std::lock_guard lock(mutex_);
        phase_ = Phase::abandoning;
    }
    wake_.notify_all();
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

bool BatchLayerWriter::populate_ahead()
{
    const uint64_t pitch = source_.layout.pitch();
    const uint64_t ready = ready_.load(std::memory_order_relaxed);
    if (ready >= source_.nodes) return false;
    const uint64_t target = std::min(source_.nodes, labelled_.load(std::memory_order_acquire) + kReadyBytes / pitch);
    if (target <= ready) return false;
    const uint64_t want = std::min(target, ready + std::max<uint64_t>(1, kPopulateStepBytes / pitch));
    populate_write(source_.blocks + ready * pitch, (want - ready) * pitch);
    if (source_.parent_cache)
        populate_read(source_.parent_cache + ready * kParentCacheEntryBytes, (want - ready) * kParentCacheEntryBytes);
    ready_.store(want, std::memory_order_release);
    return want < target;
}

Status BatchLayerWriter::write_chunk(uint64_t end)
{
    const uint64_t count = end - written_;
    std::vector<uint8_t *> outs(source_.layout.slots, nullptr);
    for (size_t i = 0; i < targets_.size(); ++i) outs[targets_[i].slot] = bounce_.data() + i * kChunkNodes * 32;
    deinterleave(source_.layout, source_.blocks + written_ * source_.layout.pitch(), count, outs.data());
    const uint64_t offset = written_ * 32, bytes = count * 32;
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
    written_ = end;
    return {};
}

Status BatchLayerWriter::write_available(bool all)
{
    for (;;) {
        const uint64_t labelled = std::min(source_.nodes, labelled_.load(std::memory_order_acquire));
        if (labelled <= written_ || (!all && labelled - written_ < kChunkNodes)) return {};
        DMC_TRY_VOID(write_chunk(std::min(labelled, written_ + kChunkNodes)));
        if (!all) return {}; // back to populating between chunks
    }
}

Status BatchLayerWriter::commit_all()
{
    if (written_ != source_.nodes)
        return make_error(Errc::internal, "pc1: layer " + std::to_string(layer_) + " finished with " +
                                              std::to_string(written_) + " of " + std::to_string(source_.nodes) +
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
            ready_.store(source_.nodes, std::memory_order_release);
            copied_out_ = true;
            wake_.notify_all();
            return;
        }
        lock.unlock();
        const bool behind = populate_ahead();
        Status st = write_available(phase == Phase::finishing);
        if (phase == Phase::finishing) set_copied_out(); // done with the scratch, or failed
        if (st && phase == Phase::finishing) st = commit_all();
        const bool more = st && phase == Phase::running &&
                          (behind || labelled_.load(std::memory_order_acquire) >= written_ + kChunkNodes);
        lock.lock();
        if (!st) {
            ready_.store(source_.nodes, std::memory_order_release); // never leave the labelling waiting
            copied_out_ = true;
            wake_.notify_all();
        }
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
