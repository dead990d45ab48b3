// SPDX-License-Identifier: Apache-2.0
//
// Writes the layer files of one PC1 layer (several sectors) while the layer
// is still being labelled. Labels are final as soon as the kernel passed
// them, so a writer thread follows each sector's published progress and
// appends finished ranges to the file's temporary, starting their writeback
// at once. When the layer is complete, finish() writes the tail and commits
// (fsync, rename) on the same thread, while the caller goes on with the next
// layer; only the last layer's tail and fsync are left on the critical path.
// A cancelled layer is abandoned: its temporaries are removed, no partial
// layer file ever appears under its final name.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "damocles/sdk/file.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc::avx512 {

class LayerWriter {
public:
    struct Target {
        uint32_t sector_index = 0;       // in dmc_pc1_args::sectors
        std::string path;                // sc-02-data-layer-<l>.dat
        const uint8_t *labels = nullptr; // N·32 bytes, final below labelled_nodes(i)
    };

    LayerWriter() = default;
    ~LayerWriter();
    LayerWriter(const LayerWriter &) = delete;
    LayerWriter &operator=(const LayerWriter &) = delete;

    // Creates the temporaries and starts following the labels. Without a
    // thread to be had, everything is written by finish() instead.
    Status start(uint32_t layer, std::vector<Target> targets, uint64_t nodes);
    // Every label is final: write the rest and commit, asynchronously.
    void finish();
    // Stop and remove the temporaries (cancelled or failed layer).
    void abandon();
    // Waits for the writer; ok when every file of the layer is durable.
    Status wait();

    // Where the labelling publishes (release) how many nodes of target i are
    // final; owned here because the writer outlives the layer's labelling.
    std::atomic<uint64_t> &labelled_nodes(size_t target) { return labelled_[target]; }
    uint32_t layer() const { return layer_; }
    const std::vector<Target> &targets() const { return targets_; }

private:
    enum class Phase { running, finishing, abandoning };
    void run();
    Status write_available(size_t target, bool all);
    Status commit_all();

    uint32_t layer_ = 0;
    uint64_t bytes_ = 0;
    std::vector<Target> targets_;
    std::vector<AtomicFileWriter> files_;
    std::vector<uint64_t> written_;
    std::unique_ptr<std::atomic<uint64_t>[]> labelled_;
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable wake_;
    Phase phase_ = Phase::running;
    Status result_;
    bool done_ = false;
};

} // namespace dmc::avx512
