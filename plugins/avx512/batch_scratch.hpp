// SPDX-License-Identifier: Apache-2.0
//
// One layer of a PC1 batch in its interleaved form (batch_layout.hpp): an
// unnamed file in a sector's cache directory, written with pwrite and read
// through a read-only shared mapping.
//
// Why a file and not anonymous memory: a batch of 16 sectors needs two
// layers of 16 S each (the one being labelled and the previous one, both
// read at random). As file pages they are page cache, which the kernel can
// write back and evict under pressure instead of the process needing 32 S
// of RAM; the anonymous memory of a batch stays at a few tens of MiB.
// The file has no name (O_TMPFILE, or unlinked at once where the file
// system lacks it), so a crash leaves nothing behind and closing it frees
// its blocks without writing back what is still dirty.
//
// Why pwrite and a read-only mapping rather than writing through a shared
// writable mapping: written in 2 MiB-aligned pieces of 2 MiB or more, the
// file's page cache is made of 2 MiB folios (ext4 with large folios), and a
// read-only mapping of them is mapped with 2 MiB page-table entries: the
// random parent reads then rarely miss the TLB (measured on the 6.18 kernel
// used: FilePmdMapped covered the whole file). A writable mapping is mapped
// 4 KiB at a time, each first write a page fault.
#pragma once

#include <cstdint>
#include <string>

#include "damocles/sdk/result.hpp"

namespace dmc::avx512 {

class BatchScratch {
public:
    // Alignment of the mapping and of the pieces worth writing.
    static constexpr uint64_t kHugePage = 2u << 20;

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

    // A zero-filled (sparse) scratch of `bytes` in `dir`, mapped read-only.
    static Result<BatchScratch> create(const std::string &dir, uint64_t bytes);

    // The mapping: bytes written so far are readable (after write() returns).
    const uint8_t *data() const { return data_; }
    uint64_t size() const { return size_; }
    explicit operator bool() const { return data_ != nullptr; }

    // Writes [offset, offset + count) and maps that range's pages in, so that
    // readers of the mapping take no page fault there.
    Status write(uint64_t offset, const uint8_t *bytes, uint64_t count) const;
    Status read(uint64_t offset, uint8_t *into, uint64_t count) const;

    void swap(BatchScratch &other) noexcept;

private:
    void release();

    int fd_ = -1;
    uint8_t *data_ = nullptr;
    uint64_t size_ = 0;
    uint8_t *reserved_ = nullptr; // the mapping's address range, with room to align it
    uint64_t reserved_size_ = 0;
};

// Page tables for a read-only shared mapping ahead of its use: by the
// kernel where it can, else by reading a word per page.
void populate_read(const void *data, uint64_t bytes);

} // namespace dmc::avx512
