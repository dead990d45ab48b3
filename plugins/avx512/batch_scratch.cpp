// SPDX-License-Identifier: Apache-2.0
#include "batch_scratch.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

namespace dmc::avx512 {

namespace {

constexpr uint64_t kPage = 4096;

Error errno_error(const std::string &what)
{
    return make_error(Errc::io, "pc1: " + what + ": " + std::strerror(errno));
}

// An unnamed file in `dir`: O_TMPFILE, else a named file removed at once.
int open_unnamed(const std::string &dir)
{
    int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd;
    static std::atomic<unsigned> counter{0};
    const std::string path =
        dir + "/.pc1-batch-scratch-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
    fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) ::unlink(path.c_str());
    return fd;
}

} // namespace

Result<BatchScratch> BatchScratch::create(const std::string &dir, uint64_t bytes)
{
    BatchScratch s;
    s.fd_ = open_unnamed(dir);
    if (s.fd_ < 0) return errno_error("cannot create the batch scratch file in " + dir);
    if (::ftruncate(s.fd_, static_cast<off_t>(bytes)) != 0)
        return errno_error("cannot size the batch scratch file in " + dir + " to " + std::to_string(bytes) + " bytes");
    // Reserve an address range one huge page larger, and map the file at its
    // first 2 MiB boundary: only an aligned mapping gets 2 MiB entries.
    s.reserved_size_ = bytes + kHugePage;
    void *reserved = ::mmap(nullptr, s.reserved_size_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (reserved == MAP_FAILED) return errno_error("cannot reserve addresses for the batch scratch of " + dir);
    s.reserved_ = static_cast<uint8_t *>(reserved);
    const auto aligned = (reinterpret_cast<uintptr_t>(reserved) + kHugePage - 1) / kHugePage * kHugePage;
    void *p = ::mmap(reinterpret_cast<void *>(aligned), bytes, PROT_READ, MAP_SHARED | MAP_FIXED, s.fd_, 0);
    if (p == MAP_FAILED) return errno_error("cannot map the batch scratch file in " + dir);
    s.data_ = static_cast<uint8_t *>(p);
    s.size_ = bytes;
    return s;
}

Status BatchScratch::write(uint64_t offset, const uint8_t *bytes, uint64_t count) const
{
    for (uint64_t done = 0; done < count;) {
        const ssize_t n = ::pwrite(fd_, bytes + done, count - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return errno_error("cannot write the batch scratch file");
        done += static_cast<uint64_t>(n);
    }
    populate_read(data_ + offset, count);
    return {};
}

Status BatchScratch::read(uint64_t offset, uint8_t *into, uint64_t count) const
{
    for (uint64_t done = 0; done < count;) {
        const ssize_t n = ::pread(fd_, into + done, count - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return errno_error("cannot read the batch scratch file");
        done += static_cast<uint64_t>(n);
    }
    return {};
}

void BatchScratch::swap(BatchScratch &other) noexcept
{
    std::swap(fd_, other.fd_);
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(reserved_, other.reserved_);
    std::swap(reserved_size_, other.reserved_size_);
}

void BatchScratch::release()
{
    if (reserved_) ::munmap(reserved_, reserved_size_); // the file's mapping lies inside
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    data_ = nullptr;
    size_ = 0;
    reserved_ = nullptr;
    reserved_size_ = 0;
}

void populate_read(const void *data, uint64_t bytes)
{
    if (bytes == 0) return;
    const auto address = reinterpret_cast<uintptr_t>(data);
    const uintptr_t begin = address / kPage * kPage;
#ifdef MADV_POPULATE_READ
    if (::madvise(reinterpret_cast<void *>(begin), address + bytes - begin, MADV_POPULATE_READ) == 0) return;
#endif
    const auto *p = static_cast<const volatile uint8_t *>(data);
    for (uint64_t offset = 0; offset < bytes; offset += kPage) (void)p[offset];
}

} // namespace dmc::avx512
