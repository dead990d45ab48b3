// SPDX-License-Identifier: Apache-2.0
//
// A batch of rebuild tasks on one sealing thread (design note in
// batch_run.cpp): its sectors and the run that drives them. Private to
// batch_run.cpp (leasing, rounds, reporting) and batch_steps.cpp (what a
// round's outcome does to each sector and to the batch).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "damocles/core/engine.hpp"
#include "damocles/core/internal/rebuild_job.hpp"
#include "service/worker/lease_heartbeat.hpp"
#include "service/worker/sealing_thread_impl.hpp"
#include "service/worker/state_report.hpp"

namespace dmc::service::batch_detail {

using core::Plan;
using core::RebuildJobOptions;
using core::SectorJob;
using core::SectorOutcome;
using core::SessionOptions;

// One sector of the batch. Status fields are guarded by the thread's mutex.
struct BatchMember {
    RebuildLease lease;
    std::string sid;
    std::string work_dir;
    std::string state_name = "Allocated", prev_state = "Empty", last_event;
    double progress = 0;
    int64_t eta = -1;
    std::string stage;
    double rate_mib_s = 0;
    std::string failure_level, failure_desc;
    std::string pieces_source;
    UnreportedSteps unreported;         // steps finished since its last report
    StopReason stop = StopReason::none; // set from its heartbeat's answer
    bool finalizing = false;
    bool past_pc1 = false; // its PC1 is done, or its plan has none (overlap: the PC1 turn)
    // Touched by the thread only.
    bool full_rebuild = false; // a cache-only or unseal attempt failed
    uint32_t retries = 0;      // temporary errors in a row
    std::mutex report_mutex;
    std::unique_ptr<LeaseHeartbeat> heartbeat;
};

struct MemberAttempt {
    SectorOutcome outcome = SectorOutcome::failed;
    Error error;
    Plan plan = Plan::cc;
};

// What happens to a sector after a round.
enum class MemberStep { finished, stopped, again, full_rebuild, retry, abort, fail, pause };

// What a round's steps ask of the batch as a whole.
struct RoundVerdict {
    bool wait = false;  // a sector retries after recover_interval
    bool pause = false; // the batch pauses (with pause_reason, if any)
    std::string pause_reason;
};

class BatchRun {
public:
    BatchRun(SealingThreadImpl &t, std::vector<RebuildLease> leases) : t_(t), mgr_(*t.ctx->manager)
    {
        for (auto &lease : leases) {
            auto m = std::make_unique<BatchMember>();
            m->sid = sector_id_string(lease.sector.key);
            m->work_dir = t.data_dir() + "/" + m->sid;
            m->lease = std::move(lease);
            members_.push_back(std::move(m));
        }
    }

    void run();

private:
    LatestState latest_state(BatchMember &m, std::vector<std::string> &steps) const;
    std::optional<HeartbeatAnswer> report(BatchMember &m);
    void on_answer(BatchMember &m, const HeartbeatAnswer &a);
    void stop_member(BatchMember &m, StopReason reason);
    void publish_summary(); // with t_.mu held
    RebuildJobOptions job_options(const BatchMember &m) const;
    Status finalize(BatchMember &m);
    SessionOptions session_options();
    std::vector<MemberAttempt> run_round();
    MemberStep step_after(BatchMember &m, const MemberAttempt &a, bool interrupted);
    bool apply_step(BatchMember &m, const MemberAttempt &a, MemberStep step, RoundVerdict &verdict);
    void wait_after_round(const RoundVerdict &verdict, bool &stop);
    void report_aborted(BatchMember &m, const std::string &reason);
    void leave(BatchMember &m, const char *why);
    bool pause_batch(std::string reason);
    Status save_pending() const;
    bool needs_pc1() const;
    void take_pc1_turn();
    void on_past_pc1(BatchMember &m);

    SealingThreadImpl &t_;
    rpc::Client &mgr_;
    std::vector<std::unique_ptr<BatchMember>> members_;     // still in the batch
    std::map<const SectorJob *, BatchMember *> job_member_; // during a round
    bool woken_for_member_stop_ = false;                    // guarded by t_.mu
    std::string abort_message_;                             // the thread pauses with it once the batch is over
};

} // namespace dmc::service::batch_detail
