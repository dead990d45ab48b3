// SPDX-License-Identifier: Apache-2.0
#include "service/rpc/token_file.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

#include "damocles/sdk/file.hpp"
#include "damocles/sdk/hex.hpp"

namespace dmc::service::rpc {

Result<std::string> read_token_file(const std::string &path)
{
    auto text = read_text_file(path);
    if (!text) return make_error(Errc::not_found, "cannot read token file " + path + ": " + text.error().message);
    std::string token = *text;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.pop_back();
    if (token.empty())
        return make_error(Errc::invalid_argument, "token file " + path + " is empty; delete it to regenerate");
    return token;
}

Result<std::string> load_or_create_token(const std::string &path)
{
    if (::access(path.c_str(), F_OK) == 0) return read_token_file(path);
    std::random_device rd;
    Bytes32 raw;
    for (auto &b : raw) b = static_cast<uint8_t>(rd());
    const std::string token = to_hex(raw);
    // Created 0600 before any byte is written (umask cannot widen it); a
    // unique name, then link(): a daemon that loses the race reads the
    // winner's token instead of replacing it.
    std::string tmp = path + ".XXXXXX";
    int fd = ::mkstemp(tmp.data());
    if (fd < 0) return make_error(Errc::io, "cannot create token file next to " + path + ": " + std::strerror(errno));
    ::fchmod(fd, 0600);
    const std::string line = token + "\n";
    const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) && ::fsync(fd) == 0;
    ::close(fd);
    const int linked = written ? ::link(tmp.c_str(), path.c_str()) : -1;
    const int link_errno = errno;
    ::unlink(tmp.c_str());
    if (linked != 0 && written && link_errno == EEXIST) return read_token_file(path);
    if (linked != 0) return make_error(Errc::io, "cannot write token file " + path + ": " + std::strerror(link_errno));
    const auto slash = path.rfind('/');
    (void)fsync_dir(slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash));
    return token;
}

} // namespace dmc::service::rpc
