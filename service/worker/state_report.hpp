// SPDX-License-Identifier: Apache-2.0
//
// A task's state sent to the manager (Venus.ReportState), shared by the
// single-sector run and a batch member. Every step a task finishes is
// reported under its own event name, oldest first: the manager's stage
// history (the console's chart) charges the time since the previous event
// to the event it receives, so two steps ending between two reports (a
// heartbeat kicked at `persist` and the synchronous report at finalize)
// must not be folded into one (docs/architecture.md, §8.9).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "service/registry/registry_types.hpp"
#include "service/rpc/json_rpc.hpp"
#include "service/worker/lease_heartbeat.hpp"

namespace dmc::service {

// The events of steps finished since the last report. Callers guard it
// with the lock that guards the task's state.
class UnreportedSteps {
public:
    void add(std::string event) { events_.push_back(std::move(event)); }
    // Taken when a report is built; empty: a heartbeat with no new step.
    std::vector<std::string> take() { return std::exchange(events_, {}); }
    // Steps taken but not delivered (steps[sent..]) go back before any
    // added since, to be sent first next time.
    void restore(const std::vector<std::string> &steps, size_t sent)
    {
        if (sent < steps.size()) events_.insert(events_.begin(), steps.begin() + long(sent), steps.end());
    }

private:
    std::vector<std::string> events_;
};

// Sends `state` once per event in `steps` (state.event set to each), or
// once as it is when `steps` is empty; the answer is the last one's. A
// lease lost or a sector gone ends the sending (nobody to tell the rest).
// nullopt: a call failed (logged with `sid`); `*sent` = the steps
// delivered before it, which the caller restores.
std::optional<HeartbeatAnswer> send_state_report(const rpc::Client &manager, const SectorKey &key, uint64_t lease_id,
                                                 LatestState state, const std::vector<std::string> &steps,
                                                 const std::string &sid, size_t *sent);

} // namespace dmc::service
