// SPDX-License-Identifier: Apache-2.0
//
// One rebuild task of a sealing thread, from allocation to finalize:
// pieces fetched and verified, the engine run with the manager hooks
// (persist = reserve a store, write the files into the worker's mount of it,
// SubmitPersistedEx; report = ReportFinalized), a heartbeat that reports the
// state and renews the lease, and the failure rules of the design note in
// sealing_thread.cpp: temporary errors retried max_retries times,
// recover_interval apart; a CommD/CommR mismatch aborts the sector on the
// manager (registry data kept) and pauses the thread; anything else pauses
// it with the task kept for `resume` / `resume --state S`. A thread with
// batch > 1 runs its sectors through batch_run.cpp under the same rules.
#include <filesystem>

#include <spdlog/spdlog.h>

#include "damocles/core/internal/rebuild_job.hpp"
#include "damocles/core/task_state.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/proof.hpp"
#include "service/metrics/series.hpp"
#include "service/registry/registry_codec.hpp"
#include "service/worker/lease_heartbeat.hpp"
#include "service/worker/lease_persist.hpp"
#include "service/worker/piece_fetcher.hpp"
#include "service/worker/sealing_thread_impl.hpp"
#include "service/worker/state_report.hpp"
#include "service/worker/task_rules.hpp"

namespace dmc::service {

using namespace dmc::core;

namespace fs = std::filesystem;
using rpc::json;

namespace {

class RebuildRun {
public:
    RebuildRun(SealingThreadImpl &t, const RebuildLease &task)
        : t_(t), task_(task), key_(task.sector.key), sid_(sector_id_string(key_)), mgr_(*t.ctx->manager)
    {
    }

    void run();

private:
    // ---- manager calls
    Result<json> call(const std::string &method, json params) { return mgr_.call(method, std::move(params)); }
    json key_params() const { return json::array({key_.miner, key_.number}); }
    json lease_params() const { return json::array({key_.miner, key_.number, task_.lease_id}); }

    // The state now, and the steps finished since the last report.
    LatestState latest_state(std::vector<std::string> &steps)
    {
        LatestState s;
        s.worker_instance = t_.ctx->config.name;
        s.worker_location = t_.config.location;
        std::lock_guard lock(t_.mu);
        steps = unreported_.take();
        s.prev = prev_state_;
        s.next = t_.state_name;
        s.event = last_event_;
        s.failure_level = failure_level_;
        s.failure_desc = failure_desc_;
        s.progress = t_.progress;
        s.eta_seconds = t_.eta;
        s.stage = t_.stage;
        s.rate_mib_s = t_.rate_mib_s;
        s.pieces_source = pieces_source_;
        return s;
    }

    std::optional<HeartbeatAnswer> report()
    {
        // One report at a time, each built when it is sent: a heartbeat in
        // flight can never land after (and overwrite) a newer state.
        std::lock_guard report_lock(report_mutex_);
        std::vector<std::string> steps;
        LatestState state = latest_state(steps);
        size_t sent = 0;
        auto answer = send_state_report(mgr_, key_, task_.lease_id, std::move(state), steps, sid_, &sent);
        if (!answer) {
            // Not delivered: the next report sends them again.
            std::lock_guard lock(t_.mu);
            unreported_.restore(steps, sent);
        }
        return answer;
    }

    void stop_because(StopReason reason)
    {
        std::lock_guard lock(t_.mu);
        if (t_.stop_reason != StopReason::none && t_.stop_reason != StopReason::pause) return;
        t_.stop_reason = reason;
        t_.cancel.store(1);
        if (t_.paused) t_.resume_signal = true; // a paused task learns it at once
        t_.cv.notify_all();
    }

    void on_answer(const HeartbeatAnswer &a)
    {
        {
            std::lock_guard lock(t_.mu);
            if (finalizing_) return;
        }
        if (a.finalized) {
            spdlog::warn("{}: the manager finalized or aborted the sector; stopping the task", sid_);
            stop_because(StopReason::finalized_elsewhere);
        } else if (!a.lease_valid) {
            spdlog::warn("{}: the lease went to another worker; dropping the local task", sid_);
            stop_because(StopReason::lease_lost);
        } else if (a.cancel_requested) {
            spdlog::info("{}: rebuild cancelled by the operator", sid_);
            stop_because(StopReason::operator_cancel);
        }
    }

    RebuildJobOptions job_options() const
    {
        RebuildJobOptions o;
        {
            // An unseal thread only takes entries that ask for the unsealed copy.
            std::lock_guard lock(t_.mu);
            o.unsealed = task_.unsealed || t_.plan == "unseal";
        }
        if (!full_rebuild_) {
            o.surviving_sealed = surviving_replica(t_.ctx->config, task_, "sealed");
            o.surviving_update = surviving_replica(t_.ctx->config, task_, "update");
        }
        for (const auto &s : t_.ctx->config.attached) o.unsealed_copies.push_back(s.location + "/unsealed/" + sid_);
        return o;
    }

    // ---- hooks
    Status persist(SectorJob &job);
    Status finalize(SectorJob &);

    // ---- the run's steps
    enum class Step { attempt, finished, full_rebuild, retry, abort, fail, pause };
    struct Attempt {
        SectorOutcome outcome = SectorOutcome::failed;
        Error error;
        Plan plan = Plan::cc;
    };
    void start_task();
    Attempt attempt(LeaseHeartbeat &heartbeat);
    SessionOptions session_options(LeaseHeartbeat &heartbeat);
    Step step_after_failure(const Attempt &attempt);
    bool wait_before_retry(LeaseHeartbeat &heartbeat, const std::string &message);
    void fall_back_to_full_rebuild(const Attempt &last);
    void abort_task(const Attempt &last, LeaseHeartbeat &heartbeat);
    std::string record_failure(const Attempt &last, LeaseHeartbeat &heartbeat);
    StopReason current_stop_reason(bool clear_pause);
    bool handle_stop(StopReason reason);
    bool apply_forced_state(const std::string &state);

    SealingThreadImpl &t_;
    const RebuildLease &task_;
    SectorKey key_;
    std::string sid_;
    rpc::Client &mgr_;
    std::string prev_state_ = "Empty";
    std::string last_event_;
    UnreportedSteps unreported_;               // guarded by t_.mu
    std::string failure_level_, failure_desc_; // guarded by t_.mu
    bool finalizing_ = false;                  // guarded by t_.mu
    std::mutex report_mutex_;
    bool full_rebuild_ = false; // a cache-only or unseal attempt failed
    std::string pieces_source_; // where the pieces came from, for `sectors state`
    uint32_t retries_ = 0;      // temporary errors in a row
};

Status RebuildRun::persist(SectorJob &job) { return persist_leased_sector(t_, task_, job); }

Status RebuildRun::finalize(SectorJob &)
{
    // The last state report (100%, Finished) before the sector goes offline;
    // from then on the heartbeat's "finalized" answer is expected.
    {
        std::lock_guard lock(t_.mu);
        prev_state_ = t_.state_name;
        t_.state_name = "Finished";
        t_.progress = 1.0;
        t_.eta = 0;
        last_event_ = "report";
        unreported_.add(last_event_);
        finalizing_ = true;
    }
    (void)report();
    auto r = call("Venus.ReportFinalized", lease_params());
    if (!r) return make_error(Errc::io, "report_finalized: " + r.error().message);
    return {};
}

// The task was stopped from outside: true = the task is over for this thread.
bool RebuildRun::handle_stop(StopReason reason)
{
    switch (reason) {
    case StopReason::operator_cancel: {
        auto r = call("Venus.ReportAborted",
                      json::array({key_.miner, key_.number, task_.lease_id, "rebuild cancelled by operator"}));
        if (!r) spdlog::warn("{}: report aborted failed: {}", sid_, r.error().message);
        spdlog::info("{}: cleanup cancelled sector", sid_);
        clean_data_dir(t_);
        return true;
    }
    case StopReason::finalized_elsewhere:
    case StopReason::lease_lost:
        spdlog::info("{}: cleanup aborted sector", sid_);
        clean_data_dir(t_);
        return true;
    case StopReason::shutdown: return true; // local state kept for the next start
    default: return false;
    }
}

// `resume --state S`: true = continue with the task, false = it is over.
bool RebuildRun::apply_forced_state(const std::string &state)
{
    if (state == "Aborted") {
        auto r = call("Venus.ReportAborted", json::array({key_.miner, key_.number, task_.lease_id,
                                                          "aborted by operator (resume --state Aborted)"}));
        if (!r) spdlog::warn("{}: report aborted failed: {}", sid_, r.error().message);
        spdlog::info("{}: cleanup aborted sector", sid_);
        clean_data_dir(t_);
        return false;
    }
    const std::string problem = force_task_state(t_.data_dir() + "/" + resume_record_file_name(sid_), state);
    if (!problem.empty()) {
        // R14: a wrong state never aborts the task; the thread stays paused.
        auto again = t_.pause_here("critical: " + problem);
        if (t_.stopping()) return false;
        return again ? apply_forced_state(*again) : true;
    }
    std::lock_guard lock(t_.mu);
    t_.state_name = state;
    return true;
}

// One try of the sector through the engine: its job made from the lease's
// record (cache-only when the sealed file survived and no full rebuild was
// asked for), run with the thread's hooks.
RebuildRun::Attempt RebuildRun::attempt(LeaseHeartbeat &heartbeat)
{
    {
        std::lock_guard lock(t_.mu);
        failure_level_.clear();
        failure_desc_.clear();
    }
    t_.set_phase(ThreadPhase::running);
    Attempt result;
    const auto &cfg = t_.ctx->config;
    std::chrono::seconds fetch_timeout;
    {
        std::lock_guard lock(t_.mu);
        fetch_timeout = t_.sealing.piece_fetch_timeout;
    }
    const auto sources = worker_piece_sources(cfg.local_pieces_dirs,
                                              {cfg.manager_url, cfg.manager_token, cfg.manager_ca_file}, fetch_timeout);
    auto made = make_rebuild_job(task_.sector, t_.data_dir(), sources, job_options());
    if (!made) {
        result.error = made.error();
        return result;
    }
    std::unique_ptr<SectorJob> job = std::move(*made);
    result.plan = job->spec.plan;
    pieces_source_ = pieces_source_summary(*job);
    if (!pieces_source_.empty()) spdlog::info("{}: pieces from {}", sid_, pieces_source_);
    job->persist = [this](SectorJob &j) { return persist(j); };
    job->report = [this](SectorJob &j) { return finalize(j); };
    auto outcomes = run_jobs(*t_.ctx->engine, {job.get()}, session_options(heartbeat));
    if (!outcomes) {
        result.error = outcomes.error();
        return result;
    }
    result.outcome = outcomes->front().outcome;
    result.error = outcomes->front().error;
    return result;
}

SessionOptions RebuildRun::session_options(LeaseHeartbeat &heartbeat)
{
    SessionOptions so = t_.engine_session_options();
    so.on_progress = [this](const SectorJob &j, const SectorProgress &p) {
        std::lock_guard lock(t_.mu);
        t_.progress = p.fraction;
        t_.eta = p.eta ? p.eta->count() : -1;
        t_.stage = p.finished ? "" : p.stage;
        const double secs = static_cast<double>(p.elapsed.count());
        t_.rate_mib_s =
            (secs >= 1 && j.proof) ? p.fraction * static_cast<double>(j.proof->sector_size) / secs / 1048576.0 : 0;
    };
    so.on_vertex_done = [this, &heartbeat](SectorJob &j, VertexKind k) {
        {
            std::lock_guard lock(t_.mu);
            prev_state_ = t_.state_name;
            t_.state_name = task_state_name(j.record.state);
            last_event_ = vertex_kind_name(k);
            unreported_.add(last_event_);
        }
        heartbeat.kick();
    };
    return so;
}

// Why the thread stopped the task from outside, if it did.
StopReason RebuildRun::current_stop_reason(bool clear_pause)
{
    std::lock_guard lock(t_.mu);
    StopReason reason = t_.stop_reason;
    if (t_.stop) reason = StopReason::shutdown;
    if (clear_pause && reason == StopReason::pause) t_.stop_reason = StopReason::none;
    return reason;
}

// The step after a failed attempt (task_rules.hpp).
RebuildRun::Step RebuildRun::step_after_failure(const Attempt &a)
{
    uint32_t max_retries;
    {
        std::lock_guard lock(t_.mu);
        max_retries = t_.sealing.max_retries;
    }
    switch (
        service::step_after_failure(a.error, a.outcome == SectorOutcome::cancelled, a.plan, retries_, max_retries)) {
    case FailureStep::pause: return Step::pause;
    case FailureStep::full_rebuild: return Step::full_rebuild;
    case FailureStep::abort: return Step::abort;
    case FailureStep::retry: return Step::retry;
    case FailureStep::fail: break;
    }
    return Step::fail;
}

void RebuildRun::start_task()
{
    std::lock_guard lock(t_.mu);
    t_.sector_id = sid_;
    t_.state_name = "Allocated";
    t_.stop_reason = StopReason::none;
    t_.cancel.store(0);
    t_.progress = 0;
    t_.eta = -1;
    t_.stage.clear();
    t_.rate_mib_s = 0;
}

// attempt -> finished | stopped | pause -> attempt | full_rebuild -> attempt
// | retry (wait) -> attempt | abort | fail -> pause. A pause waits for the
// operator's resume (possibly with a forced state) or a stop.
void RebuildRun::run()
{
    start_task();
    spdlog::info("{}: rebuild task (lease {}) on sealing thread #{}", sid_, task_.lease_id, t_.index);
    const auto lease = std::chrono::seconds(std::max<int64_t>(task_.lease_seconds, 4));
    LeaseHeartbeat heartbeat(
        std::clamp(lease / 4, std::chrono::seconds(1), std::chrono::seconds(30)), [this] { return report(); },
        [this](const HeartbeatAnswer &a) { on_answer(a); });
    Step step = Step::attempt;
    Attempt last;
    std::string pause_reason;
    for (;;) {
        switch (step) {
        case Step::attempt:
            last = attempt(heartbeat);
            if (last.outcome == SectorOutcome::ok) {
                step = Step::finished;
            } else if (handle_stop(current_stop_reason(false))) {
                return;
            } else {
                step = step_after_failure(last);
                pause_reason.clear();
            }
            break;
        case Step::finished:
            spdlog::info("{}: rebuild finished", sid_);
            metrics::count_rebuild("finished");
            heartbeat.stop();
            clean_data_dir(t_);
            return;
        case Step::full_rebuild:
            fall_back_to_full_rebuild(last);
            step = Step::attempt;
            break;
        case Step::retry:
            if (!wait_before_retry(heartbeat, last.error.message)) return;
            step = Step::attempt;
            break;
        case Step::abort: return abort_task(last, heartbeat);
        case Step::fail:
            pause_reason = record_failure(last, heartbeat);
            step = Step::pause;
            break;
        case Step::pause: {
            const auto forced = t_.pause_here(pause_reason);
            if (handle_stop(current_stop_reason(true))) return;
            if (forced && !apply_forced_state(*forced)) return;
            t_.cancel.store(0);
            step = Step::attempt;
            break;
        }
        }
    }
}

// A cache-only repair or an unseal found the surviving file damaged: the
// same task starts again as a full rebuild.
void RebuildRun::fall_back_to_full_rebuild(const Attempt &last)
{
    spdlog::warn("{}: {} failed ({}); falling back to a full rebuild", sid_,
                 last.plan == Plan::unseal ? "unsealing the surviving file" : "cache-only repair", last.error.message);
    clean_data_dir(t_);
    (void)write_file_atomic(t_.task_file(), rebuild_lease_to_json(task_).dump());
    {
        std::lock_guard lock(t_.mu);
        t_.sector_id = sid_;
    }
    full_rebuild_ = true;
}

// The registered values cannot be reproduced: the sector is aborted on the
// manager (its registry data kept), the local data removed, the thread paused.
void RebuildRun::abort_task(const Attempt &last, LeaseHeartbeat &heartbeat)
{
    auto r = call("Venus.ReportAborted", json::array({key_.miner, key_.number, task_.lease_id, last.error.message}));
    if (!r) spdlog::warn("{}: report aborted failed: {}", sid_, r.error().message);
    metrics::count_rebuild("failed");
    heartbeat.stop();
    clean_data_dir(t_);
    t_.pause_here("permanent: " + last.error.message);
}

// A permanent failure: reported, and the reason the thread pauses with. The
// task and its durable steps are kept: a resume continues where it stopped.
std::string RebuildRun::record_failure(const Attempt &last, LeaseHeartbeat &heartbeat)
{
    {
        std::lock_guard lock(t_.mu);
        failure_level_ = "Permanent";
        failure_desc_ = last.error.message;
    }
    metrics::count_rebuild("failed");
    heartbeat.kick();
    retries_ = 0;
    std::string reason = "permanent: " + last.error.message;
    if (is_out_of_space(last.error))
        reason +=
            " (out of space: free some, then `damocles-worker worker resume --index " + std::to_string(t_.index) + "`)";
    return reason;
}

// A temporary error (I/O, device) within [sealing] max_retries: report it,
// wait recover_interval, try again. false = the thread is stopping.
bool RebuildRun::wait_before_retry(LeaseHeartbeat &heartbeat, const std::string &message)
{
    uint32_t max_retries;
    std::chrono::seconds recover;
    {
        std::lock_guard lock(t_.mu);
        max_retries = t_.sealing.max_retries;
        recover = t_.sealing.recover_interval;
    }
    ++retries_;
    spdlog::warn("{}: temp error occurred: {} (retry {}/{})", sid_, message, retries_, max_retries);
    metrics::count_rebuild("retried");
    spdlog::info("{}: wait before recovering ({}s)", sid_, recover.count());
    {
        std::lock_guard lock(t_.mu);
        failure_level_ = "Temporary";
        failure_desc_ = message;
    }
    heartbeat.kick();
    t_.idle_wait(recover);
    return !t_.stopping();
}

} // namespace

void run_rebuild_task(SealingThreadImpl &t, const RebuildLease &task)
{
    RebuildRun run(t, task);
    run.run();
    t.set_phase(ThreadPhase::idle);
}

} // namespace dmc::service
