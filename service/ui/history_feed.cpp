// SPDX-License-Identifier: Apache-2.0
#include "service/ui/history_feed.hpp"

#include "service/ui/method_call.hpp"

namespace dmc::service::ui {

namespace {

// [miner, number, …] as the Venus.Report* methods take them; nullopt when
// the params are not that (the original handler has refused them anyway).
std::optional<std::pair<SectorKey, uint64_t>> lease_of(const json &params)
{
    if (!params.is_array() || params.size() < 3) return std::nullopt;
    for (size_t i = 0; i < 3; ++i)
        if (!params[i].is_number_unsigned()) return std::nullopt;
    return std::make_pair(SectorKey{params[0].get<uint64_t>(), params[1].get<uint64_t>()}, params[2].get<uint64_t>());
}

} // namespace

void feed_stage_history(rpc::Dispatcher &dispatcher, std::shared_ptr<StageHistory> history)
{
    // The handlers as they are now; the wrappers below call them.
    auto original = std::make_shared<const rpc::Dispatcher>(dispatcher);
    const auto now = [] { return StageHistory::Clock::now(); };

    dispatcher.add("Venus.AllocateRebuildSector", [original, history, now](const json &params) {
        json lease = call_method_or_throw(*original, "Venus.AllocateRebuildSector", params);
        if (lease.is_object() && lease.contains("sector") && lease["sector"].is_object()) {
            const json &sector = lease["sector"];
            history->on_allocated({sector.value("miner", uint64_t{0}), sector.value("number", uint64_t{0})},
                                  lease.value("lease_id", uint64_t{0}), now());
        }
        return lease;
    });
    dispatcher.add("Venus.ReportState", [original, history, now](const json &params) {
        json answer = call_method_or_throw(*original, "Venus.ReportState", params);
        const auto lease = lease_of(params);
        // Only reports the registry accepted (the lease still holds).
        if (lease && answer.value("LeaseValid", false) && params.size() > 3 && params[3].is_object())
            history->on_report(lease->first, lease->second, params[3].value("event", ""), now());
        return answer;
    });
    dispatcher.add("Venus.ReportFinalized", [original, history, now](const json &params) {
        json answer = call_method_or_throw(*original, "Venus.ReportFinalized", params);
        if (const auto lease = lease_of(params)) history->on_finalized(lease->first, lease->second, now());
        return answer;
    });
    dispatcher.add("Venus.ReportAborted", [original, history](const json &params) {
        json answer = call_method_or_throw(*original, "Venus.ReportAborted", params);
        if (const auto lease = lease_of(params)) history->on_aborted(lease->first);
        return answer;
    });
}

} // namespace dmc::service::ui
