// SPDX-License-Identifier: Apache-2.0
#include "engine/failpoints.hpp"

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

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
