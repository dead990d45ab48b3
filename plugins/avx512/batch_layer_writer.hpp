// SPDX-License-Identifier: Apache-2.0
//
// The helper thread of one layer of a PC1 batch worker. The labelling thread
// writes each node's block into a ring of the layer's last nodes (anonymous
// memory) and publishes how far it got (labelled_nodes()). This thread
// follows it, chunk by chunk:
//  * it writes the chunk into the layer's scratch file (batch_scratch.hpp),
//    whose mapping holds the nodes older than the ring for the labelling
//    (base parents far back now, expander parents in the next layer), and
//    publishes how far that goes (flushed_nodes()): the labelling never
//    overwrites a ring slot, nor reads the mapping, beyond it;
//  * it copies the chunk out of the interleaved blocks into every sector's
//    layer file through a small bounce buffer (deinterleave(),
//    batch_layout.hpp), writing each file through (at most two chunks
//    dirty, dropped from the page cache once written back);
//  * it faults the parent cache's pages in ahead of the labelling;
//  * finish(): when the layer is labelled, it writes the tail, reports that
//    the scratch is complete (wait_copied_out()) and commits each file
//    (fsync, rename) while the caller goes on with the next layer.
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
#include "batch_scratch.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc::avx512 {

class BatchLayerWriter {
public:
    // Nodes written per chunk: 1 MiB per sector, a few tens of ms of
    // labelling; with an even slot count every chunk is a whole number of
    // 2 MiB pages of the scratch file (batch_scratch.hpp). The ring holds a
    // multiple of it.
    static constexpr uint64_t kChunkNodes = 1u << 15;

    struct Target {
        uint32_t sector_index = 0; // in dmc_pc1_args::sectors
        unsigned slot = 0;         // in the batch blocks
        std::string path;          // sc-02-data-layer-<l>.dat
    };
    struct Source {
        BatchLayout layout;
        const uint8_t *ring = nullptr;         // the labelling's ring of node blocks
        uint64_t ring_mask = 0;                // ring nodes - 1 (a multiple of kChunkNodes, minus 1)
        const BatchScratch *scratch = nullptr; // the layer's file; must outlive wait_copied_out()
        const uint8_t *parent_cache = nullptr;
        uint64_t nodes = 0;
    };

    BatchLayerWriter() = default;
    ~BatchLayerWriter();
    BatchLayerWriter(const BatchLayerWriter &) = delete;
    BatchLayerWriter &operator=(const BatchLayerWriter &) = delete;

    // Creates the temporaries and starts the thread.
    Status start(uint32_t layer, std::vector<Target> targets, const Source &source);
    void finish();
    void abandon();
    // Returns once every node is in the scratch and the layer files, or the
    // writer stopped: the ring may be reused and the scratch read in full.
    // Not ok when the writer failed (its error).
    Status wait_copied_out();
    // Ok when every file of the layer is durable.
    Status wait();

    std::atomic<uint64_t> &labelled_nodes() { return labelled_; }
    const std::atomic<uint64_t> &flushed_nodes() const { return flushed_; }
    uint32_t layer() const { return layer_; }
    const std::vector<Target> &targets() const { return targets_; }

private:
    enum class Phase { running, finishing, abandoning };
    void run();
    void populate_parents();
    Status write_chunk(uint64_t end);
    Status write_available(bool all);
    Status commit_all();
    void stop_waiters(const Status &st); // under mutex_: nothing waits on this writer any more

    uint32_t layer_ = 0;
    Source source_;
    std::vector<Target> targets_;
    std::vector<AtomicFileWriter> files_;
    std::vector<uint8_t> bounce_;
    uint64_t parents_ready_ = 0; // parent cache entries faulted in
    std::atomic<uint64_t> labelled_{0};
    std::atomic<uint64_t> flushed_{0}; // nodes in the scratch and the layer files
    std::thread thread_;
    std::mutex mutex_;
    std::condition_variable wake_;
    Phase phase_ = Phase::running;
    Status result_;
    bool done_ = false;
    bool copied_out_ = false; // under mutex_
};

} // namespace dmc::avx512
