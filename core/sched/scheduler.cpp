// SPDX-License-Identifier: Apache-2.0
//
// Design note: how a DAG is executed
// ==================================
//
// Graph. Each vertex v becomes two flow-graph nodes: a continue_node "join"
// that fires once every predecessor has signalled, and an async_node "exec"
// that hands v to the broker below and returns at once. One flow-graph edge
// per DAG edge (exec(u) -> join(v)). The async node's gateway holds a
// reserve_wait() until v has finished, so graph::wait_for_all() returns when
// every vertex is settled; on finishing, the gateway's try_put signals the
// successors. Every vertex signals its successors whatever its outcome, so
// the graph always drains; a successor decides for itself what to do.
//
// Why async_node and not blocking continue_node bodies: a vertex may wait for
// tokens for hours (pc1 = 1) and then run for hours. Blocking TBB workers
// with that would starve the graph (on a 2-core host two waiting PC1s leave
// no worker for a ready tree_d) and could deadlock it if a runner used TBB in
// the same arena. So no TBB worker ever blocks here: waiting happens in the
// broker's queue (no thread at all) and running happens on a std::thread per
// started vertex. A fresh thread per run also makes NUMA binding clean: the
// thread is bound to its node and dies with the vertex, so no binding leaks
// into the next vertex (threads the plugin creates inherit the binding).
//
// Tokens (resource_pool.hpp). A ready vertex enters one FIFO queue shared by
// every run of this scheduler. The broker scans the queue in arrival order
// and starts each vertex whose tokens are all free, taking them all at once
// under one lock (no hold-and-wait, hence no deadlock between vertices). A
// later vertex may overtake an earlier waiting one only if it takes no token
// of a kind the earlier one is short of: tree_d can run while a PC1 waits for
// the pc1 token, but nothing takes memory that a waiting PC1 is short of, so
// a big vertex is not starved by a stream of small ones.
//
// Order within a run. The slots a run holds in the queue keep their places,
// but the run's own waiting vertices are arranged among them sector by
// sector (a vertex's lowest sector index), deepest first within a sector,
// with one limit: no vertex goes ahead of another run's vertex that arrived
// before it (queue_order.hpp), so other runs see arrival order. Without it a batch whose trees wait for cores ran
// every sector's trees before any sector's check_sealed, persist and report
// (those arrived later, and need cores the trees were short of): every
// sector of the batch was reported at its very end and its local files held
// until then. Now a sector's checks and persist go ahead of the next sector's
// trees, and each sector is reported as it is done. A DAG is finite, so
// nothing waits forever behind deeper vertices. Needs larger than
// the whole budget are clamped to it (with a warning): such a vertex runs
// alone instead of waiting forever. The queue is re-scanned whenever a vertex
// finishes, a vertex becomes ready, or a run is cancelled.
//
// Failure. When v becomes ready its live sectors are those for which every
// predecessor serving them completed; sectors already done (is_done) count
// as complete without running. A failing vertex records the failure for its
// sectors; downstream vertices of those sectors then find no live sector and
// are "upstream_failed" without running. Vertices of other sectors are not
// touched, and a sibling of the failed vertex in the same sector (tree_r_last
// while tree_c failed) still completes, so a later retry can skip it. A fused
// PC1 runs for the sectors that are still live. Cancel: a run's flag stops
// queued vertices at once and running ones through VertexContext::cancel; a
// watcher re-scans the queue shortly after the flag is set from outside
// (a signal handler cannot take the lock).
//
// NUMA. Placement (placement.hpp) happens when a pinned vertex gets its
// tokens, on the loads of the pinned vertices running at that moment. The
// executor thread is bound (CPU set and HWLOC_MEMBIND_BIND memory) with hwloc
// on multi-node machines; a refusal is a warning, once, never a failure.
// There is one tbb::task_arena per node for the runner's own TBB work. With
// oneTBB's tbbbind (Debian ships libtbbbind_2_5 with libtbb12 2021.8) and a
// topology that is this machine, the arenas are constrained to their node
// (task_arena::constraints(numa_id)); otherwise (synthetic/XML topology,
// tbbbind missing or reporting other nodes) they are plain arenas sized to
// the node, and the hwloc binding of the executor thread is what pins.
#include "damocles/core/internal/scheduler.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>
#include <tbb/flow_graph.h>
#include <tbb/info.h>

#include "damocles/core/internal/placement.hpp"
#include "damocles/core/internal/queue_order.hpp"

namespace dmc::core {

namespace {

using Clock = std::chrono::steady_clock;
using Exec = tbb::flow::async_node<tbb::flow::continue_msg, tbb::flow::continue_msg>;
using Gateway = Exec::gateway_type;

bool contains(const std::vector<uint32_t> &v, uint32_t x) { return std::find(v.begin(), v.end(), x) != v.end(); }

std::string describe(const Dag &dag, VertexId v)
{
    return std::string(vertex_kind_name(dag[v].kind)) + " (vertex " + std::to_string(v) + ", " + dag.sector_ids(v) +
           ")";
}

} // namespace

void VertexContext::report_progress(double fraction) const
{
    if (on_progress) on_progress(std::clamp(fraction, 0.0, 1.0));
}

const char *vertex_outcome_name(VertexOutcome outcome)
{
    switch (outcome) {
    case VertexOutcome::not_run: return "not_run";
    case VertexOutcome::ok: return "ok";
    case VertexOutcome::skipped_done: return "skipped_done";
    case VertexOutcome::failed: return "failed";
    case VertexOutcome::upstream_failed: return "upstream_failed";
    case VertexOutcome::cancelled: return "cancelled";
    }
    return "unknown";
}

const char *sector_outcome_name(SectorOutcome outcome)
{
    switch (outcome) {
    case SectorOutcome::ok: return "ok";
    case SectorOutcome::failed: return "failed";
    case SectorOutcome::cancelled: return "cancelled";
    }
    return "unknown";
}

bool RunReport::all_ok() const
{
    return std::all_of(sectors.begin(), sectors.end(), [](const auto &s) { return s.outcome == SectorOutcome::ok; });
}

struct RunState {
    const Dag &dag;
    VertexRunner &runner;
    SchedulerObserver *observer;
    CancelFlag own_cancel{0};
    CancelFlag *cancel;
    // Guarded by Scheduler::Impl::mu.
    std::vector<VertexResult> results;
    std::vector<std::optional<std::pair<VertexId, Error>>> sector_failure;
    std::vector<std::thread> threads;
    // Set once before the graph starts, read-only afterwards.
    std::vector<Gateway *> gateways;
    std::vector<uint32_t> depth; // longest path from a root to each vertex

    std::mutex watch_mu;
    std::condition_variable watch_cv;
    bool finished = false;

    RunState(const Dag &d, VertexRunner &r, const RunOptions &o)
        : dag(d), runner(r), observer(o.observer), cancel(o.cancel ? o.cancel : &own_cancel)
    {
    }
    bool cancelled() const { return cancel->load(std::memory_order_relaxed) != 0; }
};

struct Pending {
    RunState *run;
    VertexId v;
    ResourceNeeds needs;          // clamped to the budget
    std::vector<uint32_t> to_run; // sectors to process
    std::vector<uint32_t> done;   // sectors already complete
    uint64_t arrival = 0;         // order of arrival, all runs together
};

// A vertex whose result is recorded and whose successors must be signalled
// once the lock is released.
struct Signal {
    RunState *run;
    VertexId v;
    VertexResult result;
};

struct Scheduler::Impl {
    std::shared_ptr<const Topology> topology;
    bool numa_binding = true;
    const char *arena_mode = "single";
    std::vector<std::unique_ptr<tbb::task_arena>> node_arenas;
    std::unique_ptr<tbb::task_arena> shared_arena;
    std::atomic<bool> bind_warned{false};

    std::mutex mu; // guards everything below and RunState's guarded fields
    ResourcePool pool;
    std::deque<Pending> queue;
    uint64_t arrivals = 0;
    std::vector<NodeLoad> numa_load;
    std::set<RunState *> active;

    explicit Impl(ResourceLimits limits) : pool(std::move(limits)) {}

    void on_ready(RunState &run, VertexId v);
    void enqueue(Pending p);
    void pump(std::vector<Signal> &later);
    void start(Pending p);
    void execute(RunState &run, VertexId v, ResourceNeeds needs, std::vector<uint32_t> done, VertexContext ctx);
    void settle(RunState &run, VertexId v, VertexOutcome outcome, std::vector<uint32_t> sectors_ok,
                std::vector<Signal> &later);
    void deliver(std::vector<Signal> &signals);
    void watch(RunState &run);
};

void Scheduler::Impl::settle(RunState &run, VertexId v, VertexOutcome outcome, std::vector<uint32_t> sectors_ok,
                             std::vector<Signal> &later)
{
    auto &r = run.results[v];
    r.outcome = outcome;
    std::sort(sectors_ok.begin(), sectors_ok.end());
    r.sectors_ok = std::move(sectors_ok);
    later.push_back({&run, v, r});
}

void Scheduler::Impl::deliver(std::vector<Signal> &signals)
{
    for (auto &s : signals) {
        if (s.run->observer) s.run->observer->on_finished(s.run->dag, s.v, s.result);
        Gateway *gw = s.run->gateways[s.v];
        gw->try_put(tbb::flow::continue_msg());
        // After this the run may end and its state disappear: touch nothing of it.
        gw->release_wait();
    }
    signals.clear();
}

void Scheduler::Impl::on_ready(RunState &run, VertexId v)
{
    const auto &props = run.dag[v];
    std::vector<Signal> later;
    // Every way out scans the queue: the predecessor that made v ready may
    // have left its freed tokens to this scan (Impl::execute).
    if (run.cancelled()) {
        {
            std::lock_guard lock(mu);
            settle(run, v, VertexOutcome::cancelled, {}, later);
            pump(later);
        }
        deliver(later);
        return;
    }
    std::vector<uint32_t> live;
    {
        std::lock_guard lock(mu);
        auto preds = run.dag.predecessors(v);
        for (uint32_t s : props.sectors) {
            bool ok = std::all_of(preds.begin(), preds.end(), [&](VertexId p) {
                return !contains(run.dag[p].sectors, s) || contains(run.results[p].sectors_ok, s);
            });
            if (ok) live.push_back(s);
        }
        if (live.empty()) {
            settle(run, v, VertexOutcome::upstream_failed, {}, later);
            pump(later);
        }
    }
    if (live.empty()) return deliver(later);

    std::vector<uint32_t> to_run, done;
    for (uint32_t s : live) {
        bool is_done = false;
        try {
            is_done = run.runner.is_done(run.dag, v, s);
        } catch (const std::exception &e) {
            spdlog::warn("is_done({}) threw: {}; running it", describe(run.dag, v), e.what());
        }
        (is_done ? done : to_run).push_back(s);
    }
    if (to_run.empty()) {
        {
            std::lock_guard lock(mu);
            settle(run, v, VertexOutcome::skipped_done, live, later);
            pump(later);
        }
        return deliver(later);
    }
    std::string why;
    ResourceNeeds needs = pool.clamp(props.needs, &why); // limits are immutable: no lock needed
    if (!why.empty())
        spdlog::warn("{} needs more than the whole budget ({}); it will run alone", describe(run.dag, v), why);
    if (run.observer) run.observer->on_waiting(run.dag, v);
    {
        std::lock_guard lock(mu);
        enqueue({&run, v, std::move(needs), std::move(to_run), std::move(done)});
        pump(later);
    }
    deliver(later);
}

void Scheduler::Impl::enqueue(Pending p)
{
    RunState &run = *p.run;
    p.arrival = arrivals++;
    queue.push_back(std::move(p));
    // The run's slots, in queue order, each with the earliest arrival of the
    // other runs' vertices behind it; the run's vertices re-arranged among
    // them (queue_order.hpp).
    std::vector<Pending *> slots;
    std::vector<uint64_t> bound;
    uint64_t earliest_behind = UINT64_MAX;
    for (auto it = queue.rbegin(); it != queue.rend(); ++it) {
        if (it->run != &run) {
            earliest_behind = std::min(earliest_behind, it->arrival);
            continue;
        }
        slots.push_back(&*it);
        bound.push_back(earliest_behind);
    }
    std::reverse(slots.begin(), slots.end());
    std::reverse(bound.begin(), bound.end());
    std::vector<RunWaiting> mine;
    for (const Pending *q : slots) mine.push_back({q->v, q->arrival});
    const std::vector<size_t> order = arrange_run_slots(run.dag, run.depth, mine, bound);
    std::vector<Pending> moved;
    moved.reserve(slots.size());
    for (size_t i : order) moved.push_back(std::move(*slots[i]));
    for (size_t i = 0; i < slots.size(); ++i) *slots[i] = std::move(moved[i]);
}

void Scheduler::Impl::pump(std::vector<Signal> &later)
{
    Shortage blocked; // kinds of token that earlier waiters are short of
    for (auto it = queue.begin(); it != queue.end();) {
        RunState &run = *it->run;
        if (run.cancelled()) {
            settle(run, it->v, VertexOutcome::cancelled, it->done, later);
            it = queue.erase(it);
            continue;
        }
        Shortage lack = pool.shortage(it->needs);
        if (lack.empty() && !blocked.touches(it->needs)) {
            Pending p = std::move(*it);
            it = queue.erase(it);
            start(std::move(p));
            continue;
        }
        blocked.merge(lack);
        ++it;
    }
}

void Scheduler::Impl::start(Pending p)
{
    RunState &run = *p.run;
    pool.acquire(p.needs);
    int node = -1;
    if (p.needs.numa_pinned) {
        node = choose_numa_node(numa_load, p.needs.memory_bytes);
        if (node < 0) {
            spdlog::warn("{} needs {} bytes, more than any NUMA node has free; running it unpinned",
                         describe(run.dag, p.v), p.needs.memory_bytes);
        } else {
            numa_load[node].running += 1;
            numa_load[node].memory_used += p.needs.memory_bytes;
        }
    }
    VertexContext ctx;
    ctx.sectors = p.to_run;
    ctx.numa_node = node;
    ctx.numa_os_index = node >= 0 ? topology->numa_nodes()[node].os_index : -1;
    ctx.threads = std::max<uint32_t>(1, p.needs.cores);
    ctx.cancel = run.cancel;
    ctx.arena = node >= 0 ? node_arenas[node].get() : shared_arena.get();
    RunState *rp = &run;
    VertexId v = p.v;
    ctx.on_progress = [rp, v](double f) {
        if (rp->observer) rp->observer->on_progress(rp->dag, v, f);
    };
    auto &r = run.results[v];
    r.numa_node = node;
    r.threads = ctx.threads;
    r.started = Clock::now();
    run.threads.emplace_back(
        [this, rp, v, needs = std::move(p.needs), done = std::move(p.done), ctx = std::move(ctx)]() mutable {
            execute(*rp, v, std::move(needs), std::move(done), std::move(ctx));
        });
}

void Scheduler::Impl::execute(RunState &run, VertexId v, ResourceNeeds needs, std::vector<uint32_t> done,
                              VertexContext ctx)
{
    if (ctx.numa_node >= 0 && numa_binding && topology->numa_nodes().size() > 1) {
        auto st = topology->bind_current_thread(static_cast<uint32_t>(ctx.numa_node));
        if (!st && !bind_warned.exchange(true))
            spdlog::warn("{}; NUMA placement goes on without binding (warned once)", st.error().message);
    }
    if (run.observer) run.observer->on_started(run.dag, v, ctx);
    Status st;
    try {
        st = run.runner.run(run.dag, v, ctx);
    } catch (const std::exception &e) {
        st = make_error(Errc::internal, std::string("the runner threw: ") + e.what());
    } catch (...) {
        st = make_error(Errc::internal, "the runner threw a non-standard exception");
    }

    std::vector<Signal> later;
    {
        std::lock_guard lock(mu);
        pool.release(needs);
        if (ctx.numa_node >= 0) {
            auto &load = numa_load[ctx.numa_node];
            load.running -= 1;
            load.memory_used -= std::min(load.memory_used, needs.memory_bytes);
        }
        auto &r = run.results[v];
        r.finished = Clock::now();
        if (st.ok()) {
            std::vector<uint32_t> ok = done;
            ok.insert(ok.end(), ctx.sectors.begin(), ctx.sectors.end());
            settle(run, v, VertexOutcome::ok, std::move(ok), later);
        } else if (st.error().code == Errc::cancelled && run.cancelled()) {
            settle(run, v, VertexOutcome::cancelled, done, later);
        } else {
            r.error = st.error();
            for (uint32_t s : ctx.sectors)
                if (!run.sector_failure[s])
                    run.sector_failure[s] = {v, st.error().context(vertex_kind_name(run.dag[v].kind))};
            spdlog::debug("{} failed: {}", describe(run.dag, v), st.error().message);
            settle(run, v, VertexOutcome::failed, done, later);
        }
        // The freed tokens go to the waiting vertices now, or, when a
        // successor is about to be ready, once it is queued (its on_ready
        // scans): it may go ahead of them (order within a run).
        const auto settled = [&run](VertexId p) { return run.results[p].outcome != VertexOutcome::not_run; };
        if (!successor_becomes_ready(run.dag, v, settled)) pump(later);
    }
    deliver(later);
}

void Scheduler::Impl::watch(RunState &run)
{
    std::unique_lock wl(run.watch_mu);
    while (!run.finished) {
        run.watch_cv.wait_for(wl, std::chrono::milliseconds(50));
        if (run.finished || !run.cancelled()) continue;
        wl.unlock();
        std::vector<Signal> later;
        {
            std::lock_guard lock(mu);
            pump(later);
        }
        deliver(later);
        wl.lock();
        // Once the queue holds nothing of this run, later scans happen on
        // every vertex end; keep polling slowly in case new vertices become
        // ready and are dropped on arrival anyway.
    }
}

Scheduler::Scheduler(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Scheduler::Scheduler(Scheduler &&) noexcept = default;
Scheduler &Scheduler::operator=(Scheduler &&) noexcept = default;
Scheduler::~Scheduler() = default;

Result<Scheduler> Scheduler::create(SchedulerOptions options)
{
    auto topology = options.topology;
    if (!topology) {
        auto loaded = Topology::load();
        if (!loaded) return loaded.error();
        topology = *loaded;
    }
    auto limits = resolve_budget(options.budget, topology.get());
    if (!limits) return limits.error();
    auto impl = std::make_unique<Impl>(std::move(*limits));
    impl->topology = topology;
    impl->numa_binding = options.numa_binding;

    const auto &nodes = topology->numa_nodes();
    bool constrained = false;
    if (nodes.size() > 1) {
        impl->arena_mode = "hwloc";
        // Only ask oneTBB (which loads tbbbind and its own hwloc topology) when
        // our topology is this machine: under HWLOC_SYNTHETIC tbbbind would
        // describe the fake machine too and bind workers to absent CPUs.
        if (topology->is_this_system()) {
            auto tbb_nodes = tbb::info::numa_nodes();
            constrained = std::all_of(nodes.begin(), nodes.end(), [&](const NumaNodeInfo &n) {
                return std::find(tbb_nodes.begin(), tbb_nodes.end(), n.os_index) != tbb_nodes.end();
            });
        }
        if (constrained) impl->arena_mode = "tbbbind";
    }
    for (const auto &n : nodes) {
        if (constrained)
            impl->node_arenas.push_back(std::make_unique<tbb::task_arena>(tbb::task_arena::constraints(n.os_index)));
        else
            impl->node_arenas.push_back(std::make_unique<tbb::task_arena>(static_cast<int>(std::max(1u, n.pus))));
        impl->numa_load.push_back(NodeLoad{n.memory_bytes, 0, 0, n.cores});
    }
    impl->shared_arena = std::make_unique<tbb::task_arena>(static_cast<int>(impl->pool.limits().cores));
    spdlog::debug("scheduler: {}; budget {} cores, {} bytes, {} GPU slots; NUMA arenas: {}", topology->describe(),
                  impl->pool.limits().cores, impl->pool.limits().memory_bytes, impl->pool.limits().gpu_slots,
                  impl->arena_mode);
    return Scheduler(std::move(impl));
}

const ResourceLimits &Scheduler::limits() const { return impl_->pool.limits(); }
const Topology &Scheduler::topology() const { return *impl_->topology; }
const char *Scheduler::numa_arena_mode() const { return impl_->arena_mode; }

void Scheduler::cancel_all()
{
    std::vector<Signal> later;
    {
        std::lock_guard lock(impl_->mu);
        for (RunState *run : impl_->active) run->cancel->store(1);
        impl_->pump(later);
    }
    impl_->deliver(later);
}

Result<RunReport> Scheduler::run(const Dag &dag, VertexRunner &runner, const RunOptions &opts)
{
    DMC_TRY_VOID(validate(dag));
    const size_t n = dag.vertex_count();
    RunState run(dag, runner, opts);
    run.depth = vertex_depths(dag);
    run.results.resize(n);
    run.sector_failure.resize(dag.sectors.size());
    run.gateways.resize(n);
    {
        std::lock_guard lock(impl_->mu);
        impl_->active.insert(&run);
    }
    std::thread watcher([this, &run] { impl_->watch(run); });
    {
        tbb::flow::graph g;
        std::vector<std::unique_ptr<tbb::flow::continue_node<tbb::flow::continue_msg>>> joins(n);
        std::vector<std::unique_ptr<Exec>> execs(n);
        Impl *impl = impl_.get();
        for (VertexId v = 0; v < n; ++v) {
            joins[v] = std::make_unique<tbb::flow::continue_node<tbb::flow::continue_msg>>(
                g, [](const tbb::flow::continue_msg &) { return tbb::flow::continue_msg(); });
            execs[v] = std::make_unique<Exec>(g, tbb::flow::unlimited,
                                              [impl, &run, v](const tbb::flow::continue_msg &, Gateway &gw) {
                                                  gw.reserve_wait();
                                                  impl->on_ready(run, v);
                                              });
            run.gateways[v] = &execs[v]->gateway();
            tbb::flow::make_edge(*joins[v], *execs[v]);
        }
        for (auto [it, end] = boost::edges(dag.graph); it != end; ++it)
            tbb::flow::make_edge(*execs[boost::source(*it, dag.graph)], *joins[boost::target(*it, dag.graph)]);
        for (VertexId v = 0; v < n; ++v)
            if (boost::in_degree(v, dag.graph) == 0) joins[v]->try_put(tbb::flow::continue_msg());
        g.wait_for_all();
    }
    {
        std::lock_guard wl(run.watch_mu);
        run.finished = true;
    }
    run.watch_cv.notify_all();
    watcher.join();
    std::vector<std::thread> threads;
    {
        std::lock_guard lock(impl_->mu);
        impl_->active.erase(&run);
        threads.swap(run.threads);
    }
    for (auto &t : threads) t.join();

    RunReport report;
    report.vertices = std::move(run.results);
    report.sectors.resize(dag.sectors.size());
    for (uint32_t s = 0; s < dag.sectors.size(); ++s) {
        auto &out = report.sectors[s];
        if (run.sector_failure[s]) {
            out.outcome = SectorOutcome::failed;
            out.failed_vertex = run.sector_failure[s]->first;
            out.error = run.sector_failure[s]->second;
            continue;
        }
        bool complete = true;
        for (VertexId v : dag.vertices_of_sector(s)) complete = complete && contains(report.vertices[v].sectors_ok, s);
        out.outcome = complete ? SectorOutcome::ok : SectorOutcome::cancelled;
    }
    return report;
}

} // namespace dmc::core
