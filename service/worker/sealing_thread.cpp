// SPDX-License-Identifier: Apache-2.0
//
// Design note: a sealing thread
// =============================
//
// Loop (one iteration per task, docs/architecture.md §8.5-§8.6):
//   1. a pending pause is honoured (check point);
//   2. <location>/config.toml is re-read when its mtime changed or inotify
//      said so (a broken file pauses only this thread with "critical: reload
//      sealing thread hot config: <error>"; deleting it reverts to the main
//      config); the plan is taken from it;
//   3. plan "rebuild" or "unseal": a batch left in <location>/data/batch.json
//      or a task left in <location>/data/task.json by a previous run (crash,
//      stop) is resumed; otherwise one is allocated from the manager (an
//      unseal thread only takes entries that ask for the unsealed copy), or
//      with batch = N up to N of one proof type (batch_run.cpp). No task, or an RPC error: idle for
//      recover_interval, woken early by a config change, a pause or a stop.
//      With overlap = true the thread and its companion take a PC1 turn
//      before a batch allocation (pc1_turn.hpp), given back once the
//      batch's PC1 is over, so one's trees overlap the other's PC1.
//      Other damocles plans pause the thread ("not supported yet"); an
//      unknown plan is critical ("unknown planner: <x>").
// Running a task, its hooks, heartbeat and failure handling:
// rebuild_run.cpp.
#include "service/worker/sealing_thread.hpp"

#include <spdlog/spdlog.h>

#include "damocles/core/task_state.hpp"
#include "damocles/sdk/file.hpp"
#include "service/worker/batch_file.hpp"
#include "service/worker/sealing_thread_impl.hpp"

namespace dmc::service {

using namespace dmc::core;

namespace fs = std::filesystem;
using rpc::json;

namespace {

std::string format_elapsed(SteadyClock::duration d)
{
    auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
    if (s < 60) return std::to_string(s) + "s";
    if (s < 3600) return std::to_string(s / 60) + "m " + std::to_string(s % 60) + "s";
    return std::to_string(s / 3600) + "h " + std::to_string((s % 3600) / 60) + "m";
}

bool is_damocles_plan(const std::string &plan)
{
    return plan == "sealer" || plan == "snapup" || plan == "wdpost" || plan == "niporep";
}

// A thread with batch = N: after the first lease, up to N-1 more of the
// same proof type (one registered_proof per fused PC1, docs/architecture.md
// §4.3), each saved in batch_file() as soon as it is held, so a crash loses
// none (an unsaved lease would only wait for its expiry). The queue's order
// decides which: the first allocatable entries of that proof type.
Result<std::vector<RebuildLease>> allocate_batch(SealingThreadImpl &t, AllocationRequest req, RebuildLease first,
                                                 uint32_t batch)
{
    std::vector<RebuildLease> leases{std::move(first)};
    DMC_TRY_VOID(save_batch_file(t.batch_file(), leases));
    req.allowed_proofs = {leases.front().sector.proof_id};
    while (leases.size() < batch && !t.stopping()) {
        auto r = t.ctx->manager->call("Venus.AllocateRebuildSector", json::array({allocation_request_to_json(req)}));
        if (!r || r->is_null()) {
            if (!r) spdlog::warn("#{}: the batch stays at {} sector(s): {}", t.index, leases.size(), r.error().message);
            break;
        }
        auto lease = rebuild_lease_from_json(*r);
        if (!lease) {
            spdlog::error("#{}: malformed task from the manager: {}", t.index, lease.error().message);
            break;
        }
        leases.push_back(std::move(*lease));
        DMC_TRY_VOID(save_batch_file(t.batch_file(), leases));
    }
    return leases;
}

} // namespace

// ------------------------------------------------------- SealingThreadImpl

void SealingThreadImpl::set_phase(ThreadPhase p)
{
    std::lock_guard lock(mu);
    if (phase != p) phase_since = SteadyClock::now();
    phase = p;
}

core::SessionOptions SealingThreadImpl::engine_session_options()
{
    core::SessionOptions so;
    so.cancel = &cancel;
    so.stop_before_vertex = [this] {
        std::lock_guard lock(mu);
        return pause_requested || stop || stop_reason != StopReason::none;
    };
    so.on_started = [this](const core::SectorJob &, core::VertexKind k) {
        std::lock_guard lock(mu);
        if (phase != ThreadPhase::running) phase_since = SteadyClock::now();
        phase = ThreadPhase::running;
        running_vertex = core::vertex_kind_name(k);
    };
    so.on_waiting = [this](const core::SectorJob &, core::VertexKind) { set_phase(ThreadPhase::waiting); };
    return so;
}

void SealingThreadImpl::idle_wait(std::chrono::seconds d)
{
    std::unique_lock lock(mu);
    cv.wait_for(lock, d, [&] { return stop || pause_requested || config_changed; });
}

bool SealingThreadImpl::take_pc1_turn(bool give_up_on_config_change)
{
    if (!pc1_turn) return true;
    if (auto holder = pc1_turn->holder(); holder && *holder != index) set_phase(ThreadPhase::waiting);
    return pc1_turn->acquire(index, [this, give_up_on_config_change] {
        std::lock_guard lock(mu);
        return stop || pause_requested || (give_up_on_config_change && config_changed);
    });
}

void SealingThreadImpl::give_back_pc1_turn(const char *why)
{
    // Callers never race for one thread's turn (engine threads call it under
    // `mu`, the thread itself between rounds), so the check holds until the
    // release; logged first, so the companion's lease is logged after.
    if (!pc1_turn || pc1_turn->holder() != index) return;
    if (why) spdlog::info("sealing thread #{}: {}; the PC1 turn passes to its companion", index, why);
    pc1_turn->release(index);
}

bool pc1_is_over_after(VertexKind kind)
{
    switch (kind) {
    case VertexKind::add_pieces:
    case VertexKind::tree_d:
    case VertexKind::add_new_pieces:
    case VertexKind::tree_d_new: return false;
    default: return true;
    }
}

std::optional<std::string> SealingThreadImpl::pause_here(const std::string &error, bool wake_on_config_change)
{
    // A paused thread never keeps its companion waiting.
    give_back_pc1_turn("paused");
    std::unique_lock lock(mu);
    paused = true;
    pause_requested = false;
    if (!error.empty()) last_err = error;
    phase = ThreadPhase::paused;
    phase_since = SteadyClock::now();
    if (!error.empty())
        spdlog::error("sealing thread #{} paused: {}", index, error);
    else
        spdlog::info("sealing thread #{} paused", index);
    auto last_note = SteadyClock::now();
    while (!stop && !resume_signal && !(wake_on_config_change && config_changed)) {
        cv.wait_for(lock, std::chrono::seconds(60));
        if (!stop && !resume_signal && !(wake_on_config_change && config_changed) &&
            SteadyClock::now() - last_note >= std::chrono::seconds(60)) {
            spdlog::info("worker #{} has been waiting for resume signal during the last 60s", index);
            last_note = SteadyClock::now();
        }
    }
    paused = false;
    if (stop) return std::nullopt;
    if (!resume_signal) { // the config changed: it is re-read next
        last_err.clear();
        phase = ThreadPhase::idle;
        phase_since = SteadyClock::now();
        spdlog::info("#{} hot config changed, leaving the pause it caused", index);
        return std::nullopt;
    }
    resume_signal = false;
    last_err.clear();
    phase = ThreadPhase::idle;
    phase_since = SteadyClock::now();
    auto state = resume_state;
    resume_state.reset();
    spdlog::info("#{} worker resume{}", index, state ? " --state " + *state : std::string());
    return state;
}

void clean_data_dir(SealingThreadImpl &t)
{
    std::error_code ec;
    fs::remove_all(t.data_dir(), ec);
    fs::create_directories(t.data_dir(), ec);
    std::lock_guard lock(t.mu);
    t.sector_id.clear();
    t.state_name = "Empty";
    t.running_vertex.clear();
    t.progress = 0;
    t.eta = -1;
}

// ----------------------------------------------------------- SealingThread

SealingThread::SealingThread(size_t index, SealingThreadConfig config, WorkerContext &ctx,
                             std::shared_ptr<Pc1Turn> pc1_turn)
    : impl_(std::make_unique<SealingThreadImpl>())
{
    impl_->pc1_turn = std::move(pc1_turn);
    impl_->index = index;
    impl_->config = std::move(config);
    impl_->ctx = &ctx;
    impl_->plan = impl_->config.plan;
    impl_->batch = impl_->config.batch;
    impl_->sealing = impl_->config.sealing;
}

SealingThread::~SealingThread()
{
    request_stop();
    join();
}

const std::string &SealingThread::location() const { return impl_->config.location; }

const std::string &SealingThread::hot_config_dir() const { return impl_->config.hot_config_dir(); }

void SealingThread::start()
{
    thread_ = std::thread([this] { loop(); });
}

void SealingThread::request_stop()
{
    std::lock_guard lock(impl_->mu);
    impl_->stop = true;
    if (impl_->stop_reason == StopReason::none) impl_->stop_reason = StopReason::shutdown;
    impl_->cv.notify_all();
    if (impl_->pc1_turn) impl_->pc1_turn->wake();
}

void SealingThread::join()
{
    if (thread_.joinable()) thread_.join();
}

bool SealingThread::pause()
{
    std::lock_guard lock(impl_->mu);
    if (impl_->pause_requested || impl_->paused) return false;
    impl_->pause_requested = true;
    impl_->cv.notify_all();
    if (impl_->pc1_turn) impl_->pc1_turn->wake();
    spdlog::info("#{} worker pause", impl_->index);
    return true;
}

Result<bool> SealingThread::resume(const std::optional<std::string> &state)
{
    if (state && !task_state_from_name(*state)) return make_error(Errc::invalid_argument, "invalid state " + *state);
    std::lock_guard lock(impl_->mu);
    if (!impl_->paused) return false;
    impl_->resume_signal = true;
    impl_->resume_state = state;
    impl_->cv.notify_all();
    return true;
}

void SealingThread::notify_config_changed()
{
    std::lock_guard lock(impl_->mu);
    impl_->config_changed = true;
    impl_->cv.notify_all();
    if (impl_->pc1_turn) impl_->pc1_turn->wake();
}

ThreadStatus SealingThread::status() const
{
    const auto &t = *impl_;
    std::lock_guard lock(t.mu);
    ThreadStatus s;
    s.index = t.index;
    s.location = t.config.location;
    s.plan = t.plan;
    s.sector_id = t.sector_id;
    s.paused = t.paused;
    s.state = t.state_name;
    auto st = task_state_from_name(t.state_name);
    s.stage = st ? task_stage_label(*st) : "-";
    s.last_err = t.last_err;
    s.progress = t.progress;
    s.eta_seconds = t.eta;
    const auto elapsed = SteadyClock::now() - t.phase_since;
    switch (t.phase) {
    case ThreadPhase::idle: s.thread_state = "Idle"; break;
    case ThreadPhase::paused:
        s.thread_state = "Paused(" + format_elapsed(elapsed) + ")";
        s.paused_elapsed = std::chrono::duration_cast<std::chrono::seconds>(elapsed);
        break;
    case ThreadPhase::running: s.thread_state = "Running(" + format_elapsed(elapsed) + ") " + t.running_vertex; break;
    case ThreadPhase::waiting: s.thread_state = "Waiting(" + format_elapsed(elapsed) + ")"; break;
    }
    return s;
}

// Re-reads <location>/config.toml if it changed. False: it is broken (the
// thread was paused with the error and has been resumed or is stopping).
bool SealingThread::reload_hot_config()
{
    auto &t = *impl_;
    const std::string path = t.config.hot_config_dir() + "/config.toml";
    std::error_code ec;
    bool present = fs::exists(path, ec);
    std::optional<fs::file_time_type> mtime;
    if (present) mtime = fs::last_write_time(path, ec);
    {
        std::lock_guard lock(t.mu);
        bool changed = t.config_changed || present != t.hot_present || mtime != t.hot_mtime;
        t.config_changed = false;
        if (!changed) return true;
    }
    if (!present) {
        std::lock_guard lock(t.mu);
        if (t.hot_present) spdlog::info("sealing thread reload hot config: {} deleted, back to the main config", path);
        t.hot_present = false;
        t.hot_mtime.reset();
        t.plan = t.config.plan;
        t.batch = t.config.batch;
        t.sealing = t.config.sealing;
        return true;
    }
    auto text = read_text_file(path);
    Result<HotConfig> hot = text ? parse_hot_config(*text, path, t.config.sealing) : Result<HotConfig>(text.error());
    if (!hot) {
        {
            std::lock_guard lock(t.mu);
            t.hot_present = present;
            t.hot_mtime = mtime; // report it once; a fixed file changes the mtime
        }
        t.pause_here("critical: reload sealing thread hot config: " + hot.error().message, true);
        std::lock_guard lock(t.mu);
        t.hot_mtime.reset(); // re-read after resume
        return false;
    }
    std::lock_guard lock(t.mu);
    t.hot_present = true;
    t.hot_mtime = mtime;
    t.plan = hot->plan.value_or(t.config.plan);
    t.batch = hot->batch.value_or(t.config.batch);
    t.sealing = hot->sealing;
    spdlog::info("sealing thread reload hot config: #{} plan = {}, batch = {}", t.index, t.plan, t.batch);
    return true;
}

namespace {

// Plans other than rebuild and unseal pause the thread (woken by a config
// change). False: the thread paused.
bool plan_is_runnable(SealingThreadImpl &t, const std::string &plan)
{
    if (plan == "rebuild" || plan == "unseal") return true;
    if (is_damocles_plan(plan))
        t.pause_here("permanent: plan " + plan +
                         " is not supported by damocles-run yet (only plan = \"rebuild\" or \"unseal\")",
                     true);
    else
        t.pause_here("critical: unknown planner: " + plan, true);
    return false;
}

// A batch or a task left by a previous run (crash, stop) is resumed first;
// a corrupt one is dropped. False: nothing was left.
bool resume_left_work(SealingThreadImpl &t)
{
    std::error_code ec;
    if (fs::exists(t.batch_file(), ec)) {
        auto leases = load_batch_file(t.batch_file());
        if (!leases) {
            spdlog::error("#{}: {} is corrupt ({}); dropping the local batch", t.index, t.batch_file(),
                          leases.error().message);
            clean_data_dir(t);
            return true;
        }
        run_rebuild_batch(t, std::move(*leases));
        t.give_back_pc1_turn(t.stopping() ? "stopping" : "batch over");
        return true;
    }
    if (!fs::exists(t.task_file(), ec)) return false;
    auto text = read_text_file(t.task_file());
    auto j = text ? json::parse(*text, nullptr, false) : json();
    auto task =
        j.is_discarded() ? Result<RebuildLease>(make_error(Errc::corrupt, "unreadable")) : rebuild_lease_from_json(j);
    if (!task) {
        spdlog::error("#{}: {} is corrupt ({}); dropping the local task", t.index, t.task_file(), task.error().message);
        clean_data_dir(t);
        return true;
    }
    run_rebuild_task(t, *task);
    return true;
}

// Asks the manager for a task (with batch = N, up to N of one proof type)
// and runs it; with none, or an RPC error, idles for recover_interval.
void allocate_and_run(SealingThreadImpl &t, const std::string &plan, const SealingOptions &sealing, uint32_t batch)
{
    AllocationRequest req;
    req.allowed_miners = sealing.allowed_miners;
    auto proofs = proof_ids_for_sizes(sealing.allowed_sizes);
    if (proofs) req.allowed_proofs = *proofs;
    req.worker = t.ctx->config.name;
    req.location = t.config.location;
    req.unseal_only = plan == "unseal";
    t.set_phase(ThreadPhase::idle);
    // overlap: the companion's batch is past its PC1 before this one leases.
    if (batch > 1 && !t.take_pc1_turn(true)) return;
    auto r = t.ctx->manager->call("Venus.AllocateRebuildSector", json::array({allocation_request_to_json(req)}));
    auto task = r && !r->is_null() ? rebuild_lease_from_json(*r) : Result<RebuildLease>(Error{});
    if (!task) {
        t.give_back_pc1_turn(nullptr);
        if (!r)
            spdlog::warn("rebuild sector are not allocated yet, so we can retry even though we got the err {}",
                         r.error().message);
        else if (!r->is_null())
            spdlog::error("#{}: malformed task from the manager: {}", t.index, task.error().message);
        t.idle_wait(sealing.recover_interval);
        return;
    }
    if (batch > 1) {
        auto leases = allocate_batch(t, req, std::move(*task), batch);
        if (!leases) {
            t.pause_here("critical: cannot save the batch: " + leases.error().message);
            return;
        }
        run_rebuild_batch(t, std::move(*leases));
        t.give_back_pc1_turn(t.stopping() ? "stopping" : "batch over");
        t.idle_wait(sealing.seal_interval);
        return;
    }
    Status saved = write_file_atomic(t.task_file(), rebuild_lease_to_json(*task).dump());
    if (!saved) {
        t.pause_here("critical: cannot save the task: " + saved.error().message);
        return;
    }
    run_rebuild_task(t, *task);
    t.idle_wait(sealing.seal_interval); // "wait before sealing"
}

} // namespace

void SealingThread::loop()
{
    auto &t = *impl_;
    std::error_code ec;
    fs::create_directories(t.data_dir(), ec);
    if (ec) {
        t.pause_here("critical: cannot initialize location " + t.config.location + ": " + ec.message());
        if (t.stopping()) return;
    }
    spdlog::info("sealing thread #{} at {} (plan {})", t.index, t.config.location, t.config.plan);
    while (!t.stopping()) {
        {
            std::unique_lock lock(t.mu);
            if (t.pause_requested) {
                lock.unlock();
                t.pause_here("");
                continue;
            }
        }
        if (!reload_hot_config()) continue;
        std::string plan;
        SealingOptions sealing;
        uint32_t batch;
        {
            std::lock_guard lock(t.mu);
            plan = t.plan;
            sealing = t.sealing;
            batch = t.batch;
        }
        if (!plan_is_runnable(t, plan) || resume_left_work(t)) continue;
        allocate_and_run(t, plan, sealing, batch);
    }
    spdlog::info("sealing thread #{} stopped", t.index);
}

} // namespace dmc::service
