// SPDX-License-Identifier: Apache-2.0
#include "layer_writer.hpp"

#include <fcntl.h>

#include <chrono>
#include <system_error>

namespace dmc::avx512 {

namespace {

// Finished ranges are written in pieces of at least this size (a few ms of
// labelling), and the thread looks for new labels this often.
constexpr uint64_t kMinWriteBytes = 8u << 20;
constexpr auto kPollInterval = std::chrono::milliseconds(20);

} // namespace

LayerWriter::~LayerWriter()
{
    if (thread_.joinable()) {
        abandon();
        thread_.join();
    }
}

Status LayerWriter::start(uint32_t layer, std::vector<Target> targets, uint64_t nodes)
{
    layer_ = layer;
    bytes_ = nodes * 32;
    targets_ = std::move(targets);
    labelled_ = std::make_unique<std::atomic<uint64_t>[]>(targets_.size());
    for (size_t i = 0; i < targets_.size(); ++i) labelled_[i].store(0, std::memory_order_relaxed);
    for (const auto &t : targets_) {
        AtomicFileWriter file;
        DMC_TRY_ASSIGN(file, AtomicFileWriter::create(t.path));
        files_.push_back(std::move(file));
        written_.push_back(0);
    }
    try {
        thread_ = std::thread([this] { run(); });
    } catch (const std::system_error &) {
        // finish() writes everything inline.
    }
    return {};
}

void LayerWriter::finish()
{
    {
        std::lock_guard lock(mutex_);
        phase_ = Phase::finishing;
    }
    wake_.notify_one();
    if (!thread_.joinable() && !done_) {
        for (size_t i = 0; i < targets_.size() && result_; ++i) result_ = write_available(i, true);
        if (result_) result_ = commit_all();
        done_ = true;
    }
}

void LayerWriter::abandon()
{
    {
        std::lock_guard lock(mutex_);
        phase_ = Phase::abandoning;
    }
    wake_.notify_one();
}

Status LayerWriter::wait()
{
    if (thread_.joinable()) thread_.join();
    if (!done_) {
        // Abandoned (or never finished): drop the temporaries.
        files_.clear();
        done_ = true;
        if (result_) result_ = make_error(Errc::cancelled, "pc1: layer " + std::to_string(layer_) + " abandoned");
    }
    return result_;
}

Status LayerWriter::write_available(size_t target, bool all)
{
    const Target &t = targets_[target];
    const uint64_t available = std::min(bytes_, labelled_[target].load(std::memory_order_acquire) * 32);
    uint64_t &written = written_[target];
    if (available <= written || (!all && available - written < kMinWriteBytes)) return {};
    DMC_TRY_VOID(files_[target].write_at(written, std::span<const uint8_t>(t.labels + written, available - written)));
    // Start the writeback now so that commit's fsync finds little left to do.
    ::sync_file_range(files_[target].fd(), static_cast<off_t>(written), static_cast<off_t>(available - written),
                      SYNC_FILE_RANGE_WRITE);
    written = available;
    return {};
}

Status LayerWriter::commit_all()
{
    for (size_t i = 0; i < targets_.size(); ++i) {
        if (written_[i] != bytes_)
            return make_error(Errc::internal, "pc1: layer " + std::to_string(layer_) + " of sector " +
                                                  std::to_string(targets_[i].sector_index) + " finished with " +
                                                  std::to_string(written_[i]) + " of " + std::to_string(bytes_) +
                                                  " bytes labelled");
        DMC_TRY_VOID(files_[i].commit());
    }
    return {};
}

void LayerWriter::run()
{
    std::unique_lock lock(mutex_);
    for (;;) {
        const Phase phase = phase_;
        if (phase == Phase::abandoning) return;
        lock.unlock();
        Status st;
        for (size_t i = 0; i < targets_.size() && st; ++i) st = write_available(i, phase == Phase::finishing);
        if (st && phase == Phase::finishing) st = commit_all();
        lock.lock();
        if (!st || phase == Phase::finishing) {
            result_ = st;
            done_ = st.ok();
            // A failed writer waits to be abandoned or finished, writing nothing more.
            if (!st) wake_.wait(lock, [this] { return phase_ != Phase::running; });
            return;
        }
        wake_.wait_for(lock, kPollInterval, [this] { return phase_ != Phase::running; });
    }
}

} // namespace dmc::avx512
