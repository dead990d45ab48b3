// SPDX-License-Identifier: Apache-2.0
//
// Feeds the console's StageHistory from the worker calls the manager answers
// (AllocateRebuildSector, ReportState, ReportFinalized, ReportAborted): each
// of these methods in the table is replaced by one that runs the original
// handler unchanged (same answer, same errors, same metrics) and then tells
// the history what happened. Nothing else in the manager changes.
#pragma once

#include <memory>

#include "service/rpc/json_rpc.hpp"
#include "service/ui/stage_history.hpp"

namespace dmc::service::ui {

// Call before the dispatcher serves its first request.
void feed_stage_history(rpc::Dispatcher &dispatcher, std::shared_ptr<StageHistory> history);

} // namespace dmc::service::ui
