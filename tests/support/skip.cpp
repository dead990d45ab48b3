// SPDX-License-Identifier: Apache-2.0
#include "skip.hpp"

#include <mutex>

namespace dmc::test {

namespace {

std::mutex g_mutex;
std::map<std::string, std::string> g_skipped;

} // namespace

void mark_skipped(const std::string &reason)
{
    const std::string name = Catch::getResultCapture().getCurrentTestName();
    std::lock_guard lock(g_mutex);
    g_skipped.emplace(name, reason);
}

const std::map<std::string, std::string> &skipped_cases()
{
    std::lock_guard lock(g_mutex);
    return g_skipped;
}

} // namespace dmc::test
