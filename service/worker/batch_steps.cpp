// SPDX-License-Identifier: Apache-2.0
//
// What a round of a batch (batch_run.cpp) leaves to do, sector by sector:
// the failure policy of rebuild_run.cpp applied to each one alone, leaving
// the batch, pausing or waiting; and the PC1 turn of an overlap thread
// (docs/architecture.md §8.5, §8.6).
#include "service/worker/batch_run_impl.hpp"

#include <algorithm>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "damocles/core/internal/rebuild_job.hpp"
#include "damocles/core/task_state.hpp"
#include "service/metrics/series.hpp"
#include "service/worker/batch_file.hpp"
#include "service/worker/sealing_thread_impl.hpp"
#include "service/worker/task_rules.hpp"

namespace dmc::service::batch_detail {

using namespace dmc::core;

namespace fs = std::filesystem;
using rpc::json;

// The failure policy (task_rules.hpp) for one sector of the batch.
// `interrupted`: the round was cut short because another sector left it.
MemberStep BatchRun::step_after(BatchMember &m, const MemberAttempt &a, bool interrupted)
{
    std::lock_guard lock(t_.mu);
    if (m.stop != StopReason::none) return MemberStep::stopped;
    if (a.outcome == SectorOutcome::ok) return MemberStep::finished;
    switch (
        step_after_failure(a.error, a.outcome == SectorOutcome::cancelled, a.plan, m.retries, t_.sealing.max_retries)) {
    case FailureStep::pause: return interrupted && !t_.pause_requested ? MemberStep::again : MemberStep::pause;
    case FailureStep::full_rebuild: return MemberStep::full_rebuild;
    case FailureStep::abort: return MemberStep::abort;
    case FailureStep::retry: return MemberStep::retry;
    case FailureStep::fail: break;
    }
    return MemberStep::fail;
}

void BatchRun::report_aborted(BatchMember &m, const std::string &reason)
{
    const SectorKey &key = m.lease.sector.key;
    auto r = mgr_.call("Venus.ReportAborted", json::array({key.miner, key.number, m.lease.lease_id, reason}));
    if (!r) spdlog::warn("{}: report aborted failed: {}", m.sid, r.error().message);
}

// The sector is over for this thread: its heartbeat stops and its local
// data goes (it is removed from members_ by the caller).
void BatchRun::leave(BatchMember &m, const char *why)
{
    m.heartbeat->stop();
    std::error_code ec;
    fs::remove_all(m.work_dir, ec);
    spdlog::info("{}: {}; it leaves the batch", m.sid, why);
}

Status BatchRun::save_pending() const
{
    std::vector<RebuildLease> leases;
    for (const auto &m : members_) leases.push_back(m->lease);
    return save_batch_file(t_.batch_file(), leases);
}

// Pauses the whole batch with `reason`; false when the thread stops or no
// sector is left. A forced state (`resume --state S`) applies to every
// sector still in the batch.
bool BatchRun::pause_batch(std::string reason)
{
    for (;;) {
        const auto forced = t_.pause_here(reason);
        if (t_.stopping()) return false;
        bool member_stop;
        {
            std::lock_guard lock(t_.mu);
            member_stop = woken_for_member_stop_;
            woken_for_member_stop_ = false;
        }
        std::erase_if(members_, [&](const std::unique_ptr<BatchMember> &m) {
            StopReason stop;
            {
                std::lock_guard lock(t_.mu);
                stop = m->stop;
            }
            if (stop == StopReason::none) return false;
            if (stop == StopReason::operator_cancel) report_aborted(*m, "rebuild cancelled by operator");
            leave(*m, "stopped from the manager");
            return true;
        });
        (void)save_pending();
        if (members_.empty()) return false;
        t_.cancel.store(0);
        if (member_stop && !forced) continue; // the operator has not resumed yet
        if (!forced) return true;
        if (*forced == "Aborted") {
            for (auto &m : members_) {
                report_aborted(*m, "aborted by operator (resume --state Aborted)");
                leave(*m, "aborted by the operator");
            }
            members_.clear();
            return false;
        }
        std::string problems;
        for (auto &m : members_) {
            const std::string problem = force_task_state(m->work_dir + "/" + resume_record_file_name(m->sid), *forced);
            if (!problem.empty()) problems += (problems.empty() ? "" : "; ") + m->sid + ": " + problem;
        }
        if (problems.empty()) return true;
        // R14: a wrong state never aborts a task; the thread stays paused.
        reason = "critical: " + problems;
    }
}

// Whether a sector of the batch has PC1 ahead (guarded by t_.mu).
bool BatchRun::needs_pc1() const
{
    return std::any_of(members_.begin(), members_.end(), [](const auto &m) { return !m->past_pc1; });
}

// overlap: a round with PC1 ahead holds the turn, also after a pause or a
// restart (a batch resumed from batch.json), waiting while the companion
// labels. The heartbeats run meanwhile. Given up on a stop or a pause
// request: the round then stops before its first vertex.
void BatchRun::take_pc1_turn()
{
    if (!t_.pc1_turn) return;
    {
        std::lock_guard lock(t_.mu);
        if (!needs_pc1()) return;
    }
    (void)t_.take_pc1_turn(false);
}

// A vertex at or after PC1 of sector m completed (an engine thread): once
// every sector of the round is past its PC1, the turn passes, checked and
// given under t_.mu so that it is given (and logged) once.
void BatchRun::on_past_pc1(BatchMember &m)
{
    std::lock_guard lock(t_.mu);
    m.past_pc1 = true;
    for (const auto &[job, member] : job_member_)
        if (!member->past_pc1) return;
    t_.give_back_pc1_turn("PC1 of the batch is over");
}

// Applies `step` to sector m; true when it leaves the batch.
bool BatchRun::apply_step(BatchMember &m, const MemberAttempt &a, MemberStep step, RoundVerdict &verdict)
{
    switch (step) {
    case MemberStep::finished:
        metrics::count_rebuild("finished");
        leave(m, "rebuild finished");
        return true;
    case MemberStep::stopped:
        if (m.stop == StopReason::operator_cancel) report_aborted(m, "rebuild cancelled by operator");
        leave(m, "stopped from the manager");
        return true;
    case MemberStep::abort:
        report_aborted(m, a.error.message);
        metrics::count_rebuild("failed");
        leave(m, "aborted");
        abort_message_ = m.sid + ": " + a.error.message;
        return true;
    case MemberStep::full_rebuild: {
        spdlog::warn("{}: {} failed ({}); falling back to a full rebuild", m.sid,
                     a.plan == Plan::unseal ? "unsealing the surviving file" : "cache-only repair", a.error.message);
        std::error_code ec;
        fs::remove_all(m.work_dir, ec);
        m.full_rebuild = true;
        {
            std::lock_guard lock(t_.mu);
            m.past_pc1 = false; // PC1 comes again
        }
        return false;
    }
    case MemberStep::again: return false;
    case MemberStep::retry: {
        ++m.retries;
        spdlog::warn("{}: temp error occurred: {} (retry {})", m.sid, a.error.message, m.retries);
        metrics::count_rebuild("retried");
        {
            std::lock_guard lock(t_.mu);
            m.failure_level = "Temporary";
            m.failure_desc = a.error.message;
        }
        m.heartbeat->kick();
        verdict.wait = true;
        return false;
    }
    case MemberStep::fail: {
        metrics::count_rebuild("failed");
        {
            std::lock_guard lock(t_.mu);
            m.failure_level = "Permanent";
            m.failure_desc = a.error.message;
        }
        m.heartbeat->kick();
        m.retries = 0;
        // The sector and its durable steps are kept: a resume continues where it stopped.
        verdict.pause_reason = "permanent: " + m.sid + ": " + a.error.message;
        if (is_out_of_space(a.error))
            verdict.pause_reason += " (out of space: free some, then `damocles-worker worker resume --index " +
                                    std::to_string(t_.index) + "`)";
        verdict.pause = true;
        return false;
    }
    case MemberStep::pause: verdict.pause = true; return false;
    }
    return false;
}

// Between rounds: pause the batch, or wait recover_interval before a
// retry. `stop`: the thread stops (local state kept).
void BatchRun::wait_after_round(const RoundVerdict &verdict, bool &stop)
{
    if (verdict.pause) {
        if (!pause_batch(verdict.pause_reason)) stop = t_.stopping(); // else every sector left while paused
    } else if (verdict.wait) {
        std::chrono::seconds recover;
        {
            std::lock_guard lock(t_.mu);
            recover = t_.sealing.recover_interval;
        }
        spdlog::info("sealing thread #{}: wait before recovering ({}s)", t_.index, recover.count());
        t_.idle_wait(recover);
        stop = t_.stopping();
    }
}

} // namespace dmc::service::batch_detail
