// SPDX-License-Identifier: Apache-2.0
//
// One call into a plugin stage from a DAG vertex: the dmc_call built from the
// scheduler's grant (threads, NUMA node, cancel flag, progress), the error
// buffer, and the dmc_status turned back into a dmc::Error that names the
// stage and the plugin.
#pragma once

#include <string>

#include "damocles/core/internal/scheduler.hpp"
#include "damocles/plugin.h"
#include "damocles/sdk/result.hpp"

namespace dmc::core::engine {

class StageCall {
public:
    explicit StageCall(const VertexContext &ctx);
    StageCall(const StageCall &) = delete;
    StageCall &operator=(const StageCall &) = delete;

    const dmc_call *get() const { return &call_; }
    Status result(dmc_status rc, const char *stage, const std::string &plugin) const;

private:
    static void on_progress(void *user, uint64_t done, uint64_t total);
    const VertexContext *ctx_;
    char error_[2048] = {};
    dmc_call call_{};
};

Errc errc_of(dmc_status rc);

} // namespace dmc::core::engine
