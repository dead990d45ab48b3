// SPDX-License-Identifier: Apache-2.0
#include "service/worker/state_report.hpp"

#include <spdlog/spdlog.h>

#include "service/registry/registry_codec.hpp"

namespace dmc::service {

namespace {

std::optional<HeartbeatAnswer> send_one(const rpc::Client &manager, const SectorKey &key, uint64_t lease_id,
                                        const LatestState &state, const std::string &sid)
{
    auto r = manager.call("Venus.ReportState",
                          rpc::json::array({key.miner, key.number, lease_id, codec::latest_state_to_json(state)}));
    if (!r) {
        if (r.error().code == Errc::not_found) return HeartbeatAnswer{true, false, false}; // 11001: gone
        spdlog::warn("{}: report state failed: {}", sid, r.error().message);
        return std::nullopt;
    }
    return HeartbeatAnswer{r->value("Finalized", false), r->value("LeaseValid", true),
                           r->value("CancelRequested", false)};
}

} // namespace

std::optional<HeartbeatAnswer> send_state_report(const rpc::Client &manager, const SectorKey &key, uint64_t lease_id,
                                                 LatestState state, const std::vector<std::string> &steps,
                                                 const std::string &sid, size_t *sent)
{
    *sent = 0;
    if (steps.empty()) return send_one(manager, key, lease_id, state, sid);
    std::optional<HeartbeatAnswer> answer;
    for (const auto &event : steps) {
        state.event = event;
        answer = send_one(manager, key, lease_id, state, sid);
        if (!answer) break;
        ++*sent;
        if (answer->finalized || !answer->lease_valid) break;
    }
    return answer;
}

} // namespace dmc::service
