// SPDX-License-Identifier: Apache-2.0
//
// Files the way sealing needs them: read-only and read-write memory maps for
// node files much larger than RAM, and atomic replacement (write to a
// temporary in the same directory, fsync, rename, fsync the directory) so that
// a half-written file never replaces a good one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "damocles/sdk/result.hpp"

namespace dmc {

class MappedFile {
public:
    MappedFile() = default;
    ~MappedFile();
    MappedFile(MappedFile &&other) noexcept;
    MappedFile &operator=(MappedFile &&other) noexcept;
    MappedFile(const MappedFile &) = delete;
    MappedFile &operator=(const MappedFile &) = delete;

    // Maps the whole file read-only. An empty file maps to size 0.
    static Result<MappedFile> open_read(const std::string &path);
    // Opens (creating if needed) and sizes the file to `size`, mapped shared
    // read-write. Existing content within `size` is kept.
    static Result<MappedFile> open_rw(const std::string &path, uint64_t size);

    const uint8_t *data() const { return data_; }
    uint8_t *mutable_data() { return writable_ ? data_ : nullptr; }
    uint64_t size() const { return size_; }
    const std::string &path() const { return path_; }
    std::span<const uint8_t> bytes() const { return {data_, static_cast<size_t>(size_)}; }

    void advise_sequential() const;
    void advise_random() const;
    // msync + fsync of a read-write map.
    Status sync();

private:
    uint8_t *data_ = nullptr;
    uint64_t size_ = 0;
    int fd_ = -1;
    bool writable_ = false;
    std::string path_;
    void reset();
};

// Streams data into `<path>.tmp-<pid>-<n>` and renames it over `path` on
// commit(). Destroying an uncommitted writer removes the temporary.
class AtomicFileWriter {
public:
    AtomicFileWriter() = default;
    ~AtomicFileWriter();
    AtomicFileWriter(AtomicFileWriter &&other) noexcept;
    AtomicFileWriter &operator=(AtomicFileWriter &&other) noexcept;
    AtomicFileWriter(const AtomicFileWriter &) = delete;
    AtomicFileWriter &operator=(const AtomicFileWriter &) = delete;

    static Result<AtomicFileWriter> create(const std::string &path);

    Status write(std::span<const uint8_t> bytes);
    Status write_at(uint64_t offset, std::span<const uint8_t> bytes);
    // Truncates/extends the temporary (sparse zeros).
    Status resize(uint64_t size);
    int fd() const { return fd_; }
    const std::string &temp_path() const { return tmp_; }
    // fsync, rename over the target, fsync the directory.
    Status commit();

private:
    int fd_ = -1;
    std::string path_, tmp_;
    bool committed_ = false;
    void abandon();
};

Status write_file_atomic(const std::string &path, std::span<const uint8_t> bytes);
Status write_file_atomic(const std::string &path, const std::string &text);
Result<std::vector<uint8_t>> read_file(const std::string &path);
Result<std::string> read_text_file(const std::string &path);
// fsync of a directory (after creating/renaming entries in it).
Status fsync_dir(const std::string &dir);
// mkdir -p with a clear error.
Status make_dirs(const std::string &dir);

} // namespace dmc
