// SPDX-License-Identifier: Apache-2.0
#include "service/worker/task_rules.hpp"

#include <cerrno>
#include <cstring>

#include "damocles/core/resume_record.hpp"
#include "damocles/core/task_state.hpp"

namespace dmc::service {

using namespace dmc::core;

bool is_out_of_space(const Error &error)
{
    // The sdk and the plugins name errno with strerror. A full persist store
    // is another matter: the next attempt reserves again, maybe elsewhere,
    // so it stays a temporary error.
    return error.message.find(std::strerror(ENOSPC)) != std::string::npos && error.message.rfind("persist: ", 0) != 0;
}

FailureStep step_after_failure(const Error &error, bool cancelled, Plan plan, uint32_t retries, uint32_t max_retries)
{
    const Errc code = error.code;
    if (code == Errc::cancelled || cancelled) return FailureStep::pause;
    if ((code == Errc::verify_failed || code == Errc::corrupt) && (plan == Plan::cache_only || plan == Plan::unseal))
        return FailureStep::full_rebuild;
    if (code == Errc::verify_failed) return FailureStep::abort;
    if (is_out_of_space(error)) return FailureStep::fail;
    if ((code == Errc::io || code == Errc::device) && retries < max_retries) return FailureStep::retry;
    return FailureStep::fail;
}

std::string force_task_state(const std::string &record_path, const std::string &state)
{
    auto record = load_resume_record(record_path);
    if (!record) return "no resume record to change: " + record.error().message;
    auto target = task_state_from_name(state);
    if (!target) return target.error().message;
    if (record->state == *target) return "state unchanged, may enter an infinite loop";
    auto completed = completed_in_state(record->plan, *target);
    if (!completed)
        return "state " + state + " is not part of the " + std::string(plan_name(record->plan)) + " rebuild flow";
    // Persist has not run: it, and the checks before it (docs/architecture.md
    // §9), cannot be skipped by a forced state.
    if (completed->count(VertexKind::persist) && !record->is_done(VertexKind::persist))
        return "state " + state + " would skip persist and the checks before it, which have not run";
    record->completed = *completed;
    record->set_state(*target, unix_now_ms());
    Status saved = save_resume_record(record_path, *record);
    return saved ? std::string() : saved.error().message;
}

} // namespace dmc::service
