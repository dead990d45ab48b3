// SPDX-License-Identifier: Apache-2.0
//
// A minimal parallel loop for the tree builders (private). Work units are
// handed out by an atomic counter; the calling thread works too and is the
// only one that reports progress, so callbacks never need to be thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

#include "damocles/sdk/result.hpp"

namespace dmc::field_detail {

// Runs task(i) for every i in [0, count) on `threads` threads (0 = all
// hardware threads). Stops handing out work at the first error, or when
// *cancel becomes true (then returns Errc::cancelled). on_progress(units
// finished so far) runs on the calling thread only. Exceptions thrown by a
// task become Errc::internal errors.
Status parallel_for(uint64_t count, unsigned threads, const std::function<Status(uint64_t)> &task,
                    const std::atomic<bool> *cancel, const std::function<void(uint64_t)> &on_progress);

unsigned resolve_threads(unsigned threads);

} // namespace dmc::field_detail
