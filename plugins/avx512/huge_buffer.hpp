// SPDX-License-Identifier: Apache-2.0
//
// Large anonymous buffers (layer labels) backed by huge pages where the host
// has them: a preallocated 2 MiB hugetlb page pool first, else transparent
// huge pages (madvise), else ordinary pages. The labels are read at random
// (base and expander parents), so 4 KiB pages would cost a page walk on
// most parent reads of a 512MiB+ layer. The fallbacks are silent: huge
// pages only change speed, never results.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>
#include <utility>

namespace dmc::avx512 {

class HugeBuffer {
public:
    HugeBuffer() = default;
    ~HugeBuffer() { release(); }
    HugeBuffer(HugeBuffer &&o) noexcept { swap(o); }
    HugeBuffer &operator=(HugeBuffer &&o) noexcept
    {
        if (this != &o) {
            release();
            swap(o);
        }
        return *this;
    }
    HugeBuffer(const HugeBuffer &) = delete;
    HugeBuffer &operator=(const HugeBuffer &) = delete;

    // Empty on failure (no memory).
    static HugeBuffer allocate(uint64_t bytes)
    {
        constexpr uint64_t kHugePage = 2u << 20;
        HugeBuffer b;
        if (bytes == 0) return b;
        const uint64_t mapped = (bytes + kHugePage - 1) / kHugePage * kHugePage;
        void *p = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
        if (p == MAP_FAILED) {
            p = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) return b;
            ::madvise(p, mapped, MADV_HUGEPAGE);
        }
        b.data_ = static_cast<uint8_t *>(p);
        b.size_ = bytes;
        b.mapped_ = mapped;
        return b;
    }

    // Faults every page in now (a write per 4 KiB; the memory is fresh and
    // zero, so contents do not change). First touches in the middle of a
    // latency-bound SHA chain measured ~1.5 s slower per 512 MiB layer on
    // the VM hosts used than touching the buffer up front.
    void populate() const
    {
        for (uint64_t offset = 0; offset < mapped_; offset += 4096)
            reinterpret_cast<volatile uint8_t *>(data_)[offset] = 0;
    }

    uint8_t *data() const { return data_; }
    uint64_t size() const { return size_; }
    explicit operator bool() const { return data_ != nullptr; }
    void swap(HugeBuffer &o) noexcept
    {
        std::swap(data_, o.data_);
        std::swap(size_, o.size_);
        std::swap(mapped_, o.mapped_);
    }

private:
    uint8_t *data_ = nullptr;
    uint64_t size_ = 0;
    uint64_t mapped_ = 0;
    void release()
    {
        if (data_) ::munmap(data_, mapped_);
        data_ = nullptr;
        size_ = mapped_ = 0;
    }
};

} // namespace dmc::avx512
