// SPDX-License-Identifier: Apache-2.0
//
// For plugin authors: what every stage entry point needs around its body —
// the one-line error into call->error, Errc -> dmc_status, the ABI's cancel
// flag and progress callback adapted to the sdk's builders, and a catch-all
// so that no exception ever crosses the C boundary:
//
//   dmc_status run(const dmc_call *call, dmc_tree_d_args *args)
//   {
//       return dmc::plugin::run_stage(call, "tree_d", [&] { return build(call, args); });
//   }
#pragma once

#include <atomic>
#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include "damocles/plugin.h"
#include "damocles/sdk/result.hpp"

namespace dmc::plugin {

inline void set_error(const dmc_call *call, const std::string &message)
{
    if (call && call->error && call->error_size > 0)
        std::snprintf(call->error, call->error_size, "%s", message.c_str());
}

inline bool cancel_requested(const dmc_call *call) { return call && call->cancel && *call->cancel != 0; }

inline dmc_status status_of(Errc code)
{
    switch (code) {
    case Errc::invalid_argument:
    case Errc::not_found: return DMC_ERR_INVALID_ARG;
    case Errc::cancelled: return DMC_ERR_CANCELLED;
    case Errc::no_memory: return DMC_ERR_NO_MEMORY;
    case Errc::unsupported: return DMC_ERR_UNSUPPORTED;
    case Errc::verify_failed:
    case Errc::corrupt: return DMC_ERR_VERIFY;
    case Errc::io: return DMC_ERR_IO;
    default: return DMC_ERR_INTERNAL;
    }
}

// Runs `body` (returning Status) and converts the outcome for the ABI; the
// message is prefixed with the stage name unless it already starts with it.
template <class Body> dmc_status run_stage(const dmc_call *call, const char *stage, Body &&body)
{
    try {
        if (!call || call->struct_size < sizeof(dmc_call)) return DMC_ERR_INVALID_ARG;
        Status st = body();
        if (st.ok()) return DMC_OK;
        const std::string prefix = std::string(stage) + ": ";
        const std::string &msg = st.error().message;
        set_error(call, msg.rfind(prefix, 0) == 0 ? msg : prefix + msg);
        return status_of(st.error().code);
    } catch (const std::bad_alloc &) {
        set_error(call, std::string(stage) + ": out of memory");
        return DMC_ERR_NO_MEMORY;
    } catch (const std::exception &e) {
        set_error(call, std::string(stage) + ": internal error: " + e.what());
        return DMC_ERR_INTERNAL;
    } catch (...) {
        set_error(call, std::string(stage) + ": internal error");
        return DMC_ERR_INTERNAL;
    }
}

// Accumulates progress over several sub-steps into one done/total stream
// for call->progress, and mirrors the ABI cancel flag into the atomic<bool>
// the sdk builders poll (checked each time progress is reported).
class ProgressRelay {
public:
    ProgressRelay(const dmc_call *call, uint64_t total) : call_(call), total_(total) {}

    // Progress of a sub-step whose units start at `base` of the total.
    void report(uint64_t base, uint64_t done)
    {
        if (cancel_requested(call_)) cancel_.store(true, std::memory_order_relaxed);
        if (call_ && call_->progress) call_->progress(call_->progress_user, base + done, total_);
    }
    // Progress of a single-step stage.
    void report(uint64_t done) { report(0, done); }
    const std::atomic<bool> *cancel_flag() const { return &cancel_; }
    bool cancelled()
    {
        if (cancel_requested(call_)) cancel_.store(true, std::memory_order_relaxed);
        return cancel_.load(std::memory_order_relaxed);
    }

private:
    const dmc_call *call_;
    uint64_t total_;
    std::atomic<bool> cancel_{false};
};

} // namespace dmc::plugin
