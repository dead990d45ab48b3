// SPDX-License-Identifier: Apache-2.0
//
// The helper thread of one layer of a PC1 batch worker. It does the work
// that must not sit in the SHA chain:
//  * it keeps the layer's scratch pages faulted in ahead of the labelling
//    (and the parent cache's), publishing how far (ready_nodes()); the
//    labelling thread never passes that point;
//  * it follows the labelling (labelled_nodes(), published by the labelling
//    thread) and copies finished nodes out of the interleaved blocks into
//    every sector's layer file, in chunks of a few MiB per sector through a
//    small bounce buffer (deinterleave(), batch_layout.hpp), starting their
//    writeback at once and dropping written pages from the page cache;
//  * finish(): when the layer is labelled, it writes the tail and commits
//    each file (fsync, rename) while the caller goes on with the next layer.
// A cancelled or failed layer is abandoned: temporaries are removed, no
// partial layer file ever appears under its final name (as LayerWriter).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "batch_layout.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc::avx512 {

class BatchLayerWriter {
public:
    struct Target {
        uint32_t sector_index = 0; // in dmc_pc1_args::sectors
        unsigned slot = 0;         // in the batch blocks
        std::string path;          // sc-02-data-layer-<l>.dat
    };
    struct Source {
        BatchLayout layout;
        uint8_t *blocks = nullptr; // the layer being labelled (a BatchScratch mapping)
        const uint8_t *parent_cache = nullptr;
        uint64_t nodes = 0;
    };

    BatchLayerWriter() = default;
    ~BatchLayerWriter();
    BatchLayerWriter(const BatchLayerWriter &) = delete;
    BatchLayerWriter &operator=(const BatchLayerWriter &) = delete;

    // Creates the temporaries and starts the thread. Without a thread to be
    // had, nothing is prefaulted and finish() writes everything.
    Status start(uint32_t layer, std::vector<Target> targets, const Source &source);
    void finish();
    void abandon();
    // Ok when every file of the layer is durable.
    Status wait();
    // Returns once every node was copied out of the scratch (or the writer
    // stopped): the scratch may be freed while the files are committed.
    void wait_copied_out();

    std::atomic<uint64_t> &labelled_nodes() { return labelled_; }
    const std::atomic<uint64_t> &ready_nodes() const { return ready_; }
    uint32_t layer() const { return layer_; }
    const std::vector<Target> &targets() const { return targets_; }

private:
    enum class Phase { running, finishing, abandoning };
    void run();
    void set_copied_out();
    bool populate_ahead(); // true while behind its target
    Status write_chunk(uint64_t end);
    Status write_available(bool all);
    Status commit_all();

    uint32_t layer_ = 0;
    Source source_;
    std::vector<Target> targets_;
    std::vector<AtomicFileWriter> files_;
    std::vector<uint8_t> bounce_;
    uint64_t written_ = 0; // nodes copied out to every file
    std::atomic<uint64_t> labelled_{0};
    std::atomic<uint64_t> ready_{0};
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable wake_;
    Phase phase_ = Phase::running;
    Status result_;
    bool done_ = false;
    bool copied_out_ = false; // under mutex_
};

} // namespace dmc::avx512
