// SPDX-License-Identifier: Apache-2.0
//
// One layer of a PC1 batch in its interleaved form (batch_layout.hpp): an
// unnamed file in a sector's cache directory, mapped shared read-write.
//
// Why a file and not anonymous memory: a batch of 16 sectors needs two
// layers of 16 S each (the one being labelled and the previous one, both
// read at random). As file pages they are page cache, which the kernel can
// write back and evict under pressure instead of the process needing 32 S
// of RAM; the anonymous memory of a batch stays at a few tens of MiB.
// The file has no name (O_TMPFILE, or unlinked at once where the file
// system lacks it), so a crash leaves nothing behind and closing it frees
// its blocks without writing back what is still dirty.
#pragma once

#include <cstdint>
#include <string>

#include "damocles/sdk/result.hpp"

namespace dmc::avx512 {

class BatchScratch {
public:
    BatchScratch() = default;
    ~BatchScratch() { release(); }
    BatchScratch(BatchScratch &&other) noexcept { swap(other); }
    BatchScratch &operator=(BatchScratch &&other) noexcept
    {
        if (this != &other) {
            release();
            swap(other);
        }
        return *this;
    }
    BatchScratch(const BatchScratch &) = delete;
    BatchScratch &operator=(const BatchScratch &) = delete;

    // A zero-filled scratch of `bytes` in `dir`.
    static Result<BatchScratch> create(const std::string &dir, uint64_t bytes);

    uint8_t *data() const { return data_; }
    uint64_t size() const { return size_; }
    explicit operator bool() const { return data_ != nullptr; }

    void swap(BatchScratch &other) noexcept;

private:
    void release();

    int fd_ = -1;
    uint8_t *data_ = nullptr;
    uint64_t size_ = 0;
};

// Faults [data, data + bytes) of a shared writable mapping in writable
// without changing it, so that the labelling thread never takes a page
// fault (file-page faults cost about a microsecond each; a 16-sector layer
// of 512MiB sectors has two million pages). Best effort: on failure the
// pages fault later.
void populate_write(uint8_t *data, uint64_t bytes);

// Page tables for a read-only shared mapping (the parent cache) ahead of
// their use: by the kernel where it can, else by reading a word per page.
void populate_read(const void *data, uint64_t bytes);

} // namespace dmc::avx512
