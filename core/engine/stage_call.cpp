// SPDX-License-Identifier: Apache-2.0
#include "engine/stage_call.hpp"

namespace dmc::core::engine {

Errc errc_of(dmc_status rc)
{
    switch (rc) {
    case DMC_ERR_INVALID_ARG: return Errc::invalid_argument;
    case DMC_ERR_IO: return Errc::io;
    case DMC_ERR_CANCELLED: return Errc::cancelled;
    case DMC_ERR_UNSUPPORTED: return Errc::unsupported;
    case DMC_ERR_NO_MEMORY: return Errc::no_memory;
    case DMC_ERR_DEVICE: return Errc::device;
    case DMC_ERR_VERIFY: return Errc::verify_failed;
    default: return Errc::internal;
    }
}

StageCall::StageCall(const VertexContext &ctx) : ctx_(&ctx)
{
    call_.struct_size = sizeof call_;
    call_.threads = ctx.threads ? ctx.threads : 1;
    call_.numa_node = ctx.numa_os_index;
    call_.progress = &StageCall::on_progress;
    call_.progress_user = this;
    call_.cancel = ctx.abi_cancel();
    call_.error = error_;
    call_.error_size = sizeof error_;
}

void StageCall::on_progress(void *user, uint64_t done, uint64_t total)
{
    auto *self = static_cast<StageCall *>(user);
    if (total > 0) self->ctx_->report_progress(static_cast<double>(done) / static_cast<double>(total));
}

Status StageCall::result(dmc_status rc, const char *stage, const std::string &plugin) const
{
    if (rc == DMC_OK) return {};
    std::string msg = error_[0] ? std::string(error_) : std::string("failed with status ") + std::to_string(rc);
    return make_error(errc_of(rc), std::string(stage) + " (plugin " + plugin + "): " + msg);
}

} // namespace dmc::core::engine
