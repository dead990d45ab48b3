// SPDX-License-Identifier: Apache-2.0
//
// Design note: a batch of rebuild tasks on one sealing thread
// ===========================================================
// A thread with `batch = N` (docs/architecture.md §8.5) leases up to N
// sectors of one proof type and runs them as one engine run: one DAG whose
// PC1 vertices are fused (§4.3), so the pc1 plugin labels them in one call,
// while tree_c, tree_r_last, the checks, persist and report stay per sector.
//
// Every sector keeps its own lease, heartbeat, work dir (<data>/<sector id>,
// holding its resume record) and the failure rules of rebuild_run.cpp,
// applied to it alone (§8.6):
//   * finished: reported, its work dir removed, it leaves the batch;
//   * CommD/CommR mismatch or failed proof: ReportAborted (registry data
//     kept), work dir removed, it leaves the batch; once the batch is over
//     the thread pauses with "permanent: <sector>: <message>", as it does
//     after a single task;
//   * mismatch of a cache-only repair or an unseal: that sector falls back to
//     a full rebuild in the next round;
//   * temporary error: that sector is retried (max_retries, recover_interval);
//   * anything else: after the round the thread pauses, the sector kept for
//     `resume` (`resume --state S` applies S to every sector still in the
//     batch; `Aborted` aborts them all).
// The scheduler stops only what depends on a failed vertex for the same
// sector (a fused PC1 runs for the others), so one sector never fails or
// loses the rest. A heartbeat answer that ends one sector (operator cancel,
// finalized elsewhere, lease lost) interrupts the round; that sector is
// handled and the others run again from their resume records.
//
// <data>/batch.json lists the leases still in the batch, rewritten
// atomically as sectors leave it: after a crash the thread resumes the batch
// from it, each sector from its own resume record (a fused PC1 whose sectors
// stopped at different layers lets each one join at its own, §6.4).
#include "service/worker/batch_run_impl.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include <spdlog/spdlog.h>

#include "damocles/core/internal/dag_builder.hpp"
#include "damocles/core/internal/rebuild_job.hpp"
#include "damocles/core/task_state.hpp"
#include "service/metrics/series.hpp"
#include "service/registry/registry_codec.hpp"
#include "service/worker/batch_file.hpp"
#include "service/worker/lease_heartbeat.hpp"
#include "service/worker/lease_persist.hpp"
#include "service/worker/piece_fetcher.hpp"
#include "service/worker/sealing_thread_impl.hpp"
#include "service/worker/task_rules.hpp"

namespace dmc::service {

using namespace dmc::core;

namespace fs = std::filesystem;
using rpc::json;

namespace batch_detail {

// The sector's state now, and the steps it finished since its last report.
LatestState BatchRun::latest_state(BatchMember &m, std::vector<std::string> &steps) const
{
    LatestState s;
    s.worker_instance = t_.ctx->config.name;
    s.worker_location = t_.config.location;
    std::lock_guard lock(t_.mu);
    steps = m.unreported.take();
    s.prev = m.prev_state;
    s.next = m.state_name;
    s.event = m.last_event;
    s.failure_level = m.failure_level;
    s.failure_desc = m.failure_desc;
    s.progress = m.progress;
    s.eta_seconds = m.eta;
    s.stage = m.stage;
    s.rate_mib_s = m.rate_mib_s;
    s.pieces_source = m.pieces_source;
    return s;
}

std::optional<HeartbeatAnswer> BatchRun::report(BatchMember &m)
{
    // One report per sector at a time, each built when it is sent, so an
    // older state never lands after a newer one.
    std::lock_guard report_lock(m.report_mutex);
    std::vector<std::string> steps;
    LatestState state = latest_state(m, steps);
    size_t sent = 0;
    auto answer = send_state_report(mgr_, m.lease.sector.key, m.lease.lease_id, std::move(state), steps, m.sid, &sent);
    if (!answer) {
        // Not delivered: the next report sends them again.
        std::lock_guard lock(t_.mu);
        m.unreported.restore(steps, sent);
    }
    return answer;
}

void BatchRun::stop_member(BatchMember &m, StopReason reason)
{
    std::lock_guard lock(t_.mu);
    if (m.finalizing || m.stop != StopReason::none) return;
    m.stop = reason;
    // The round in progress ends; the other sectors run again from their
    // records. A batch paused for another sector learns it at once.
    t_.cancel.store(1);
    if (t_.paused) {
        woken_for_member_stop_ = true;
        t_.resume_signal = true;
    }
    t_.cv.notify_all();
}

void BatchRun::on_answer(BatchMember &m, const HeartbeatAnswer &a)
{
    if (a.finalized) {
        spdlog::warn("{}: the manager finalized or aborted the sector; stopping it", m.sid);
        stop_member(m, StopReason::finalized_elsewhere);
    } else if (!a.lease_valid) {
        spdlog::warn("{}: the lease went to another worker; dropping the sector", m.sid);
        stop_member(m, StopReason::lease_lost);
    } else if (a.cancel_requested) {
        spdlog::info("{}: rebuild cancelled by the operator", m.sid);
        stop_member(m, StopReason::operator_cancel);
    }
}

// The thread's row in `worker list`: every sector of the batch, the state
// and stage of the one furthest behind, the mean progress.
void BatchRun::publish_summary()
{
    std::string ids;
    const BatchMember *behind = nullptr;
    double progress = 0;
    int64_t eta = -1;
    for (const auto &m : members_) {
        ids += (ids.empty() ? "" : ",") + m->sid;
        if (!behind || m->progress < behind->progress) behind = m.get();
        progress += m->progress;
        eta = std::max(eta, m->eta);
    }
    t_.sector_id = ids;
    if (!behind) return;
    t_.state_name = behind->state_name;
    t_.stage = behind->stage;
    t_.progress = progress / static_cast<double>(members_.size());
    t_.eta = eta;
}

RebuildJobOptions BatchRun::job_options(const BatchMember &m) const
{
    RebuildJobOptions o;
    {
        std::lock_guard lock(t_.mu);
        o.unsealed = m.lease.unsealed || t_.plan == "unseal";
    }
    if (!m.full_rebuild) {
        o.surviving_sealed = surviving_replica(t_.ctx->config, m.lease, "sealed");
        o.surviving_update = surviving_replica(t_.ctx->config, m.lease, "update");
    }
    for (const auto &s : t_.ctx->config.attached) o.unsealed_copies.push_back(s.location + "/unsealed/" + m.sid);
    return o;
}

Status BatchRun::finalize(BatchMember &m)
{
    {
        std::lock_guard lock(t_.mu);
        m.prev_state = m.state_name;
        m.state_name = "Finished";
        m.progress = 1.0;
        m.eta = 0;
        m.last_event = "report";
        m.unreported.add(m.last_event);
        m.finalizing = true;
        publish_summary();
    }
    (void)report(m);
    const SectorKey &key = m.lease.sector.key;
    auto r = mgr_.call("Venus.ReportFinalized", json::array({key.miner, key.number, m.lease.lease_id}));
    if (!r) return make_error(Errc::io, "report_finalized: " + r.error().message);
    return {};
}

SessionOptions BatchRun::session_options()
{
    SessionOptions so = t_.engine_session_options();
    so.on_progress = [this](const SectorJob &j, const SectorProgress &p) {
        BatchMember &m = *job_member_.at(&j);
        std::lock_guard lock(t_.mu);
        m.progress = p.fraction;
        m.eta = p.eta ? p.eta->count() : -1;
        m.stage = p.finished ? "" : p.stage;
        const double secs = static_cast<double>(p.elapsed.count());
        m.rate_mib_s =
            (secs >= 1 && j.proof) ? p.fraction * static_cast<double>(j.proof->sector_size) / secs / 1048576.0 : 0;
        publish_summary();
    };
    so.on_vertex_done = [this](SectorJob &j, VertexKind k) {
        BatchMember &m = *job_member_.at(&j);
        if (pc1_is_over_after(k)) on_past_pc1(m);
        {
            std::lock_guard lock(t_.mu);
            m.prev_state = m.state_name;
            m.state_name = task_state_name(j.record.state);
            m.last_event = vertex_kind_name(k);
            m.unreported.add(m.last_event);
            publish_summary();
        }
        m.heartbeat->kick();
    };
    return so;
}

// One engine run over every sector still in the batch (a sector whose job
// cannot be made, e.g. its pieces are missing, fails alone).
std::vector<MemberAttempt> BatchRun::run_round()
{
    t_.set_phase(ThreadPhase::running);
    std::vector<MemberAttempt> attempts(members_.size());
    const auto &cfg = t_.ctx->config;
    std::chrono::seconds fetch_timeout;
    {
        std::lock_guard lock(t_.mu);
        fetch_timeout = t_.sealing.piece_fetch_timeout;
        for (auto &m : members_) {
            m->failure_level.clear();
            m->failure_desc.clear();
        }
    }
    const auto sources = worker_piece_sources(cfg.local_pieces_dirs,
                                              {cfg.manager_url, cfg.manager_token, cfg.manager_ca_file}, fetch_timeout);
    std::vector<std::unique_ptr<SectorJob>> jobs;
    std::vector<SectorJob *> to_run;
    std::vector<size_t> index;
    job_member_.clear();
    for (size_t i = 0; i < members_.size(); ++i) {
        BatchMember &m = *members_[i];
        auto made = make_rebuild_job(m.lease.sector, m.work_dir, sources, job_options(m));
        if (!made) {
            attempts[i].error = made.error();
            continue;
        }
        jobs.push_back(std::move(*made));
        SectorJob &job = *jobs.back();
        attempts[i].plan = job.spec.plan;
        {
            const auto kinds = plan_vertex_kinds(job.spec.plan);
            std::lock_guard lock(t_.mu);
            m.past_pc1 = m.past_pc1 || std::find(kinds.begin(), kinds.end(), VertexKind::pc1) == kinds.end();
        }
        m.pieces_source = pieces_source_summary(job);
        if (!m.pieces_source.empty()) spdlog::info("{}: pieces from {}", m.sid, m.pieces_source);
        job.persist = [this, &m](SectorJob &j) { return persist_leased_sector(t_, m.lease, j); };
        job.report = [this, &m](SectorJob &) { return finalize(m); };
        job_member_[&job] = &m;
        to_run.push_back(&job);
        index.push_back(i);
    }
    if (to_run.empty()) return attempts;
    spdlog::info("sealing thread #{}: {} sector(s) of the batch in one run", t_.index, to_run.size());
    auto outcomes = run_jobs(*t_.ctx->engine, to_run, session_options());
    for (size_t k = 0; k < index.size(); ++k) {
        MemberAttempt &a = attempts[index[k]];
        if (!outcomes) {
            a.error = outcomes.error();
            continue;
        }
        a.outcome = (*outcomes)[k].outcome;
        a.error = (*outcomes)[k].error;
    }
    job_member_.clear();
    return attempts;
}

// rounds until every sector left the batch: run_round -> per sector
// finished | stopped | abort (leave) | full_rebuild | again (next round)
// | retry (wait recover_interval) | fail | pause (pause the batch).
void BatchRun::run()
{
    const int64_t lease_seconds = members_.empty() ? 600 : members_.front()->lease.lease_seconds;
    const auto lease = std::chrono::seconds(std::max<int64_t>(lease_seconds, 4));
    const auto interval = std::clamp(lease / 4, std::chrono::seconds(1), std::chrono::seconds(30));
    {
        std::lock_guard lock(t_.mu);
        t_.stop_reason = StopReason::none;
        t_.cancel.store(0);
        t_.rate_mib_s = 0;
        publish_summary();
    }
    for (auto &m : members_) {
        BatchMember *member = m.get();
        member->heartbeat = std::make_unique<LeaseHeartbeat>(
            interval, [this, member] { return report(*member); },
            [this, member](const HeartbeatAnswer &a) { on_answer(*member, a); });
    }
    spdlog::info("sealing thread #{}: batch of {} sector(s) (proof {})", t_.index, members_.size(),
                 members_.empty() ? 0 : members_.front()->lease.sector.proof_id);
    while (!members_.empty()) {
        take_pc1_turn();
        const auto attempts = run_round();
        if (t_.stopping()) return; // local state kept for the next start
        bool interrupted;
        {
            std::lock_guard lock(t_.mu);
            interrupted = std::any_of(members_.begin(), members_.end(),
                                      [](const auto &m) { return m->stop != StopReason::none; });
        }
        RoundVerdict verdict;
        std::vector<bool> gone(members_.size(), false);
        for (size_t i = 0; i < members_.size(); ++i)
            gone[i] =
                apply_step(*members_[i], attempts[i], step_after(*members_[i], attempts[i], interrupted), verdict);
        for (size_t i = members_.size(); i-- > 0;)
            if (gone[i]) members_.erase(members_.begin() + static_cast<std::ptrdiff_t>(i));
        if (Status saved = save_pending(); !saved)
            spdlog::warn("sealing thread #{}: cannot save the batch: {}", t_.index, saved.error().message);
        {
            std::lock_guard lock(t_.mu);
            publish_summary();
        }
        if (members_.empty()) break;
        t_.cancel.store(0);
        bool stop = false;
        wait_after_round(verdict, stop);
        if (stop) return;
    }
    clean_data_dir(t_);
    if (!abort_message_.empty()) t_.pause_here("permanent: " + abort_message_);
}

} // namespace batch_detail

void run_rebuild_batch(SealingThreadImpl &t, std::vector<RebuildLease> leases)
{
    batch_detail::BatchRun run(t, std::move(leases));
    run.run();
    t.set_phase(ThreadPhase::idle);
}

} // namespace dmc::service
