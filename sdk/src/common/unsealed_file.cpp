// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/unsealed_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "damocles/sdk/file.hpp"
#include "damocles/sdk/sha254.hpp"

namespace dmc {

namespace {

constexpr uint64_t kChunkBytes = 16ull << 20;
constexpr size_t kLengthBytes = 4;
// A trailer this long would describe a pathological bitfield; lotus warns
// at 1 MiB, we refuse well beyond it rather than allocate blindly.
constexpr uint64_t kMaxTrailer = 64ull << 20;

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd()
    {
        if (fd_ >= 0) ::close(fd_);
    }
    Fd(const Fd &) = delete;
    Fd &operator=(const Fd &) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

Status read_exact_at(int fd, uint8_t *out, uint64_t size, uint64_t offset, const std::string &path)
{
    uint64_t done = 0;
    while (done < size) {
        ssize_t n = ::pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return make_error(Errc::io, "cannot read " + path + ": " + std::strerror(errno));
        if (n == 0) { // past the end of a shorter file: zeros
            std::fill(out + done, out + size, 0);
            return {};
        }
        done += static_cast<uint64_t>(n);
    }
    return {};
}

// Copies the data extents of [0, end) of `in` into `out` at the same offsets;
// holes are left to the destination's resize (sparse zeros).
Status copy_data_extents(int in, uint64_t end, AtomicFileWriter &out, const std::string &src)
{
    std::vector<uint8_t> buf(static_cast<size_t>(std::min<uint64_t>(kChunkBytes, std::max<uint64_t>(end, 1))));
    uint64_t pos = 0;
    while (pos < end) {
        off_t data = ::lseek(in, static_cast<off_t>(pos), SEEK_DATA);
        if (data < 0) {
            if (errno == ENXIO) break;      // only a hole remains
            data = static_cast<off_t>(pos); // no SEEK_DATA on this filesystem: copy everything
        }
        if (static_cast<uint64_t>(data) >= end) break;
        off_t hole = ::lseek(in, data, SEEK_HOLE);
        uint64_t stop = hole < 0 ? end : std::min<uint64_t>(static_cast<uint64_t>(hole), end);
        for (uint64_t at = static_cast<uint64_t>(data); at < stop;) {
            const uint64_t n = std::min<uint64_t>(buf.size(), stop - at);
            DMC_TRY_VOID(read_exact_at(in, buf.data(), n, at, src));
            DMC_TRY_VOID(out.write_at(at, std::span<const uint8_t>(buf.data(), static_cast<size_t>(n))));
            at += n;
        }
        pos = stop;
    }
    return {};
}

} // namespace

std::vector<uint8_t> full_unsealed_trailer(uint64_t sector_size)
{
    const BitRun all{true, sector_size};
    std::vector<uint8_t> out = rle_plus_encode(std::span<const BitRun>(&all, 1));
    const auto len = static_cast<uint32_t>(out.size());
    for (size_t i = 0; i < kLengthBytes; ++i) out.push_back(static_cast<uint8_t>(len >> (8 * i)));
    return out;
}

Status write_unsealed_file(const std::string &data_path, const std::string &dest, uint64_t sector_size)
{
    Fd in(::open(data_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (in.get() < 0) return make_error(Errc::not_found, "cannot open " + data_path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(in.get(), &st) != 0)
        return make_error(Errc::io, "cannot stat " + data_path + ": " + std::strerror(errno));
    AtomicFileWriter out;
    DMC_TRY_ASSIGN(out, AtomicFileWriter::create(dest));
    DMC_TRY_VOID(copy_data_extents(in.get(), std::min<uint64_t>(static_cast<uint64_t>(st.st_size), sector_size), out,
                                   data_path));
    DMC_TRY_VOID(out.resize(sector_size));
    const std::vector<uint8_t> trailer = full_unsealed_trailer(sector_size);
    DMC_TRY_VOID(out.write_at(sector_size, trailer));
    return out.commit();
}

uint64_t UnsealedFileLayout::allocated_bytes() const
{
    uint64_t n = 0;
    for (const auto &r : allocated)
        if (r.value) n += r.length;
    return n;
}

Result<UnsealedFileLayout> read_unsealed_layout(const std::string &path, uint64_t sector_size)
{
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return make_error(Errc::not_found, "cannot open " + path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return make_error(Errc::io, "cannot stat " + path + ": " + std::strerror(errno));
    const auto size = static_cast<uint64_t>(st.st_size);
    UnsealedFileLayout layout;
    if (size < sector_size)
        return make_error(Errc::corrupt, path + " has " + std::to_string(size) + " bytes, less than the sector size " +
                                             std::to_string(sector_size));
    if (size == sector_size) {
        layout.allocated = {{true, sector_size}};
        return layout;
    }
    if (size < sector_size + kLengthBytes)
        return make_error(Errc::corrupt, path + " has a trailer too short to hold its length");
    uint8_t len_bytes[kLengthBytes];
    DMC_TRY_VOID(read_exact_at(fd.get(), len_bytes, kLengthBytes, size - kLengthBytes, path));
    uint64_t trailer_len = 0;
    for (size_t i = 0; i < kLengthBytes; ++i) trailer_len |= uint64_t{len_bytes[i]} << (8 * i);
    if (sector_size + trailer_len + kLengthBytes != size || trailer_len > kMaxTrailer)
        return make_error(Errc::corrupt, path + " has an inconsistent length: " + std::to_string(size) +
                                             " bytes for a " + std::to_string(trailer_len) + "-byte trailer after " +
                                             std::to_string(sector_size) + " bytes of data");
    std::vector<uint8_t> trailer(static_cast<size_t>(trailer_len));
    DMC_TRY_VOID(read_exact_at(fd.get(), trailer.data(), trailer_len, sector_size, path));
    auto runs = rle_plus_decode(trailer);
    if (!runs) return runs.error().context(path + " trailer");
    uint64_t end = 0;
    for (const auto &r : *runs) end += r.length;
    if (end > sector_size)
        return make_error(Errc::corrupt, path + " trailer marks bytes beyond the sector size as allocated");
    layout.has_trailer = true;
    layout.allocated = std::move(*runs);
    return layout;
}

Result<Bytes32> unsealed_data_comm_d(const std::string &path, uint64_t sector_size)
{
    if (sector_size < 32 || (sector_size & (sector_size - 1)) != 0)
        return make_error(Errc::invalid_argument,
                          "sector size " + std::to_string(sector_size) + " is not a power of two");
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return make_error(Errc::not_found, "cannot open " + path + ": " + std::strerror(errno));
    const uint64_t chunk = std::min(kChunkBytes, sector_size);
    unsigned chunk_height = 0;
    while ((32ull << chunk_height) < chunk) ++chunk_height;
    std::vector<uint8_t> buf(static_cast<size_t>(chunk));
    std::vector<uint8_t> roots;
    for (uint64_t at = 0; at < sector_size; at += chunk) {
        DMC_TRY_VOID(read_exact_at(fd.get(), buf.data(), chunk, at, path));
        const bool zero = std::all_of(buf.begin(), buf.end(), [](uint8_t b) { return b == 0; });
        const Bytes32 root = zero ? zero_comm(chunk_height) : sha254_tree_root(buf);
        roots.insert(roots.end(), root.begin(), root.end());
    }
    return sha254_tree_root(roots);
}

} // namespace dmc
