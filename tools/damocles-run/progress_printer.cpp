// SPDX-License-Identifier: Apache-2.0
#include "progress_printer.hpp"

#include <cstdio>
#include <unistd.h>

namespace dmc::cli {

ProgressPrinter::ProgressPrinter(std::string label, uint64_t total_bytes)
    : label_(std::move(label)), total_bytes_(total_bytes), tty_(isatty(STDERR_FILENO) != 0)
{
}

std::string ProgressPrinter::line(const core::SectorProgress &p) const
{
    std::string out = core::format_progress_line(label_, p);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (total_bytes_ > 0 && seconds > 0.5 && p.fraction > 0) {
        char rate[48];
        std::snprintf(rate, sizeof rate, ", %.1f MiB/s",
                      p.fraction * static_cast<double>(total_bytes_) / seconds / 1048576.0);
        out += rate;
    }
    return out;
}

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
    std::fprintf(stderr, "\r\033[K%s", line(p).c_str());
    std::fflush(stderr);
}

void ProgressPrinter::finish()
{
    std::lock_guard lock(mutex_);
    if (tty_ && have_latest_) std::fprintf(stderr, "\r\033[K%s\n", line(latest_).c_str());
    printed_ = false;
    have_latest_ = false;
}

} // namespace dmc::cli
