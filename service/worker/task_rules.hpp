// SPDX-License-Identifier: Apache-2.0
//
// Rules a rebuild task follows whether it runs alone (rebuild_run.cpp) or as
// one sector of a batch (batch_run.cpp), docs/architecture.md §6.4, §8.6:
// when an error means "out of space", and how `resume --state S` rewrites
// a sector's resume record.
#pragma once

#include <string>

#include "damocles/sdk/result.hpp"

namespace dmc::service {

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
