// SPDX-License-Identifier: Apache-2.0
//
// Rules a rebuild task follows whether it runs alone (rebuild_run.cpp) or as
// one sector of a batch (batch_run.cpp), docs/architecture.md §6.4, §8.6:
// what a failed attempt leads to, when an error means "out of space", and
// how `resume --state S` rewrites a sector's resume record.
#pragma once

#include <string>

#include "damocles/core/dag_types.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc::service {

// What a failed attempt of a sector leads to (docs/architecture.md §8.6):
// a pause (cancelled), a full rebuild (a cache-only repair or an unseal
// whose surviving sealed file does not give back the registered values), an
// abort on the manager (registry data kept: the registered values cannot be
// reproduced), a retry (I/O or device error within max_retries), or a
// failure that pauses the thread (anything else, a full disk at once).
enum class FailureStep { pause, full_rebuild, abort, retry, fail };
FailureStep step_after_failure(const Error &error, bool cancelled, core::Plan plan, uint32_t retries,
                               uint32_t max_retries);

// A write to the thread's own disk met a full filesystem: retrying cannot
// help until someone frees space.
bool is_out_of_space(const Error &error);

// Rewrites the resume record at `record_path` to `state` (its completed set
// becomes completed_in_state). Returns "" when done, otherwise the problem
// (the thread then stays paused with "critical: <problem>", R14): no
// record, the same state, a state outside the plan's flow, or one that
// would skip persist and the checks before it.
std::string force_task_state(const std::string &record_path, const std::string &state);

} // namespace dmc::service
