// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/file.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dmc {

namespace {

Error sys_error(const std::string &what, const std::string &path, int err = errno)
{
    Errc code = Errc::io;
    if (err == ENOENT) code = Errc::not_found;
    if (err == ENOMEM) code = Errc::no_memory;
    return make_error(code, what + " " + path + ": " + std::strerror(err));
}

std::string parent_dir(const std::string &path)
{
    auto p = std::filesystem::path(path).parent_path();
    return p.empty() ? std::string(".") : p.string();
}

} // namespace

// ------------------------------------------------------------ MappedFile

MappedFile::~MappedFile() { reset(); }

MappedFile::MappedFile(MappedFile &&o) noexcept
    : data_(o.data_), size_(o.size_), fd_(o.fd_), writable_(o.writable_), path_(std::move(o.path_))
{
    o.data_ = nullptr;
    o.size_ = 0;
    o.fd_ = -1;
}

MappedFile &MappedFile::operator=(MappedFile &&o) noexcept
{
    if (this != &o) {
        reset();
        data_ = o.data_;
        size_ = o.size_;
        fd_ = o.fd_;
        writable_ = o.writable_;
        path_ = std::move(o.path_);
        o.data_ = nullptr;
        o.size_ = 0;
        o.fd_ = -1;
    }
    return *this;
}

void MappedFile::reset()
{
    if (data_ && size_) munmap(data_, size_);
    if (fd_ >= 0) ::close(fd_);
    data_ = nullptr;
    size_ = 0;
    fd_ = -1;
}

Result<MappedFile> MappedFile::open_read(const std::string &path)
{
    MappedFile m;
    m.path_ = path;
    m.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (m.fd_ < 0) return sys_error("cannot open", path);
    struct stat st;
    if (fstat(m.fd_, &st) != 0) return sys_error("cannot stat", path);
    if (!S_ISREG(st.st_mode)) return make_error(Errc::invalid_argument, path + " is not a regular file");
    m.size_ = static_cast<uint64_t>(st.st_size);
    if (m.size_ > 0) {
        void *p = mmap(nullptr, m.size_, PROT_READ, MAP_SHARED, m.fd_, 0);
        if (p == MAP_FAILED) return sys_error("cannot map", path);
        m.data_ = static_cast<uint8_t *>(p);
    }
    return m;
}

Result<MappedFile> MappedFile::open_rw(const std::string &path, uint64_t size)
{
    MappedFile m;
    m.path_ = path;
    m.writable_ = true;
    m.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m.fd_ < 0) return sys_error("cannot open", path);
    if (ftruncate(m.fd_, static_cast<off_t>(size)) != 0) return sys_error("cannot resize", path);
    m.size_ = size;
    if (size > 0) {
        void *p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, m.fd_, 0);
        if (p == MAP_FAILED) return sys_error("cannot map", path);
        m.data_ = static_cast<uint8_t *>(p);
    }
    return m;
}

void MappedFile::advise_sequential() const
{
    if (data_) madvise(data_, size_, MADV_SEQUENTIAL);
}

void MappedFile::advise_random() const
{
    if (data_) madvise(data_, size_, MADV_RANDOM);
}

Status MappedFile::sync()
{
    if (!writable_ || !data_) return {};
    if (msync(data_, size_, MS_SYNC) != 0) return sys_error("cannot msync", path_);
    if (fsync(fd_) != 0) return sys_error("cannot fsync", path_);
    return {};
}

// ------------------------------------------------------ AtomicFileWriter

AtomicFileWriter::~AtomicFileWriter() { abandon(); }

AtomicFileWriter::AtomicFileWriter(AtomicFileWriter &&o) noexcept
    : fd_(o.fd_), path_(std::move(o.path_)), tmp_(std::move(o.tmp_)), committed_(o.committed_)
{
    o.fd_ = -1;
    o.committed_ = true;
}

AtomicFileWriter &AtomicFileWriter::operator=(AtomicFileWriter &&o) noexcept
{
    if (this != &o) {
        abandon();
        fd_ = o.fd_;
        path_ = std::move(o.path_);
        tmp_ = std::move(o.tmp_);
        committed_ = o.committed_;
        o.fd_ = -1;
        o.committed_ = true;
    }
    return *this;
}

void AtomicFileWriter::abandon()
{
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
    committed_ = true;
}

Result<AtomicFileWriter> AtomicFileWriter::create(const std::string &path)
{
    static std::atomic<unsigned> counter{0};
    AtomicFileWriter w;
    w.path_ = path;
    w.tmp_ = path + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
    w.fd_ = ::open(w.tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w.fd_ < 0) {
        w.committed_ = true;
        return sys_error("cannot create", w.tmp_);
    }
    return w;
}

Status AtomicFileWriter::write(std::span<const uint8_t> bytes)
{
    const uint8_t *p = bytes.data();
    size_t left = bytes.size();
    while (left > 0) {
        ssize_t n = ::write(fd_, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("cannot write", tmp_);
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
    return {};
}

Status AtomicFileWriter::write_at(uint64_t offset, std::span<const uint8_t> bytes)
{
    const uint8_t *p = bytes.data();
    size_t left = bytes.size();
    while (left > 0) {
        ssize_t n = ::pwrite(fd_, p, left, static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            return sys_error("cannot write", tmp_);
        }
        p += n;
        offset += static_cast<uint64_t>(n);
        left -= static_cast<size_t>(n);
    }
    return {};
}

Status AtomicFileWriter::resize(uint64_t size)
{
    if (ftruncate(fd_, static_cast<off_t>(size)) != 0) return sys_error("cannot resize", tmp_);
    return {};
}

Status AtomicFileWriter::commit()
{
    if (committed_) return make_error(Errc::internal, "file " + path_ + " already committed");
    if (fsync(fd_) != 0) return sys_error("cannot fsync", tmp_);
    if (::close(fd_) != 0) {
        fd_ = -1;
        return sys_error("cannot close", tmp_);
    }
    fd_ = -1;
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) return sys_error("cannot rename into", path_);
    committed_ = true;
    return fsync_dir(parent_dir(path_));
}

// ------------------------------------------------------------- helpers

Status write_file_atomic(const std::string &path, std::span<const uint8_t> bytes)
{
    auto w = AtomicFileWriter::create(path);
    if (!w) return w.error();
    DMC_TRY_VOID(w->write(bytes));
    return w->commit();
}

Status write_file_atomic(const std::string &path, const std::string &text)
{
    return write_file_atomic(path,
                             std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(text.data()), text.size()));
}

Result<std::vector<uint8_t>> read_file(const std::string &path)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return sys_error("cannot open", path);
    std::vector<uint8_t> out;
    uint8_t buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            ::close(fd);
            return sys_error("cannot read", path, e);
        }
        if (n == 0) break;
        out.insert(out.end(), buf, buf + n);
    }
    ::close(fd);
    return out;
}

Result<std::string> read_text_file(const std::string &path)
{
    auto bytes = read_file(path);
    if (!bytes) return bytes.error();
    return std::string(bytes->begin(), bytes->end());
}

Status fsync_dir(const std::string &dir)
{
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return sys_error("cannot open directory", dir);
    int rc = fsync(fd);
    int e = errno;
    ::close(fd);
    if (rc != 0 && e != EINVAL) return sys_error("cannot fsync directory", dir, e);
    return {};
}

Status make_dirs(const std::string &dir)
{
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return make_error(Errc::io, "cannot create directory " + dir + ": " + ec.message());
    return {};
}

} // namespace dmc
