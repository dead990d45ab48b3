// SPDX-License-Identifier: Apache-2.0
#include "engine/failpoints.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <thread>
#include <unistd.h>

#include <spdlog/spdlog.h>

namespace dmc::core::engine {

namespace {

const std::map<std::string, std::string> &table()
{
    static const std::map<std::string, std::string> points = [] {
        std::map<std::string, std::string> m;
        const char *env = std::getenv("DAMOCLES_FAILPOINTS");
        if (!env) return m;
        std::string s = env;
        size_t start = 0;
        while (start < s.size()) {
            size_t end = s.find(',', start);
            if (end == std::string::npos) end = s.size();
            std::string item = s.substr(start, end - start);
            if (auto eq = item.find('='); eq != std::string::npos) m[item.substr(0, eq)] = item.substr(eq + 1);
            start = end + 1;
        }
        return m;
    }();
    return points;
}

// Appends zeros to `path` until the filesystem is full (a write meets
// ENOSPC); short writes fill the last bytes. tmpfs counts its blocks per
// CPU, so a first ENOSPC may leave a few free: passes go on, in smaller
// writes, until one writes nothing.
void fill_disk(const std::string &path)
{
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) return;
    uint64_t written = 0;
    // Space freed late (a replaced file released by the kernel a moment
    // after its rename) is taken by a second round.
    for (int round = 0; round < 2; ++round) {
        if (round > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        for (size_t block = 1 << 16;; block = std::max<size_t>(block / 4, 512)) {
            const std::string zeros(block, '\0');
            uint64_t pass = 0;
            for (;;) {
                const ssize_t n = ::write(fd, zeros.data(), zeros.size());
                if (n > 0)
                    pass += static_cast<uint64_t>(n);
                else if (n < 0 && errno == EINTR)
                    continue;
                else
                    break;
            }
            ::fsync(fd);
            written += pass;
            if (pass == 0 && block == 512) break;
        }
    }
    ::close(fd);
    spdlog::warn("failpoint fill-disk: {} holds {} bytes, the filesystem is full", path, written);
}

} // namespace

Status failpoint(const std::string &point, const SectorJob &job)
{
    const auto &t = table();
    if (t.empty()) return {};
    auto it = t.find(point);
    if (it == t.end()) return {};
    const std::string &action = it->second;
    spdlog::warn("{}: failpoint {} -> {}", job.sector_id(), point, action);
    if (action == "kill") {
        std::raise(SIGKILL);
    } else if (action == "fail") {
        return make_error(Errc::internal, "failpoint " + point);
    } else if (action.rfind("sleep:", 0) == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::stoll(action.substr(6))));
    } else if (action == "fill-disk") {
        fill_disk(job.work_dir + "/dmc-ballast");
    } else if (action == "corrupt-replica") {
        std::fstream f(job.replica_path(), std::ios::in | std::ios::out | std::ios::binary);
        char c = 0;
        f.seekg(1000);
        f.get(c);
        f.seekp(1000);
        f.put(static_cast<char>(c ^ 0x55));
    }
    return {};
}

} // namespace dmc::core::engine
