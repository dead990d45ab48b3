// SPDX-License-Identifier: Apache-2.0
#include "progress_printer.hpp"

#include <cstdio>
#include <unistd.h>

namespace dmc::cli {

ProgressPrinter::ProgressPrinter(std::string label) : label_(std::move(label)), tty_(isatty(STDERR_FILENO) != 0) {}

void ProgressPrinter::update(const core::SectorProgress &p)
{
    if (!tty_) return;
    std::lock_guard lock(mutex_);
    latest_ = p;
    have_latest_ = true;
    auto now = std::chrono::steady_clock::now();
    if (printed_ && now - last_ < std::chrono::milliseconds(200) && !p.finished) return;
    last_ = now;
    printed_ = true;
    std::fprintf(stderr, "\r\033[K%s", core::format_progress_line(label_, p).c_str());
    std::fflush(stderr);
}

void ProgressPrinter::finish()
{
    std::lock_guard lock(mutex_);
    if (tty_ && have_latest_) std::fprintf(stderr, "\r\033[K%s\n", core::format_progress_line(label_, latest_).c_str());
    printed_ = false;
    have_latest_ = false;
}

} // namespace dmc::cli
