// SPDX-License-Identifier: Apache-2.0
#include "damocles/core/engine.hpp"

#include <filesystem>

#include <spdlog/spdlog.h>

#include "damocles/core/internal/dag_builder.hpp"
#include "damocles/core/internal/progress.hpp"
#include "damocles/core/internal/scheduler.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/parent_cache.hpp"
#include "engine/seal_runner.hpp"

namespace dmc::core {

Engine::Engine(const PluginRegistry &registry, EngineOptions options)
    : registry_(registry), options_(std::move(options))
{
}

Engine::~Engine() = default;

Status Engine::init()
{
    if (scheduler_) return {};
    SchedulerOptions so;
    so.budget = options_.budget;
    so.numa_binding = options_.numa_binding;
    auto s = Scheduler::create(so);
    if (!s) return s.error();
    scheduler_ = std::make_unique<Scheduler>(std::move(*s));
    return {};
}

Result<StageHandle> Engine::stage(dmc_stage_kind kind) const
{
    return registry_.select(kind, options_.plugin_overrides);
}

Result<std::string> Engine::parent_cache(const SealProof &proof)
{
    std::lock_guard lock(cache_mutex_);
    // Asked of the sdk before every PC1, not once per process: it verifies
    // the file's digest again whenever the file changed since (a stat
    // otherwise), so a cache corrupted while a worker runs is regenerated
    // before the next PC1 reads it.
    if (!parent_caches_.count(proof.id))
        spdlog::info("preparing the {} parent cache (generated once, verified on load)", proof.name);
    ParentCacheOptions opts;
    opts.dir = options_.parent_cache_dir;
    opts.threads = 0;
    opts.warn = [](const std::string &w) { spdlog::warn("{}", w); };
    std::string path;
    DMC_TRY_ASSIGN(path, ensure_parent_cache(proof, opts));
    parent_caches_[proof.id] = path;
    return path;
}

namespace {

// Feeds a ProgressTracker and forwards each change to the session callback
// for the sectors of the vertex.
class ProgressForwarder final : public SchedulerObserver {
public:
    ProgressForwarder(const Dag &dag, const std::vector<SectorJob *> &jobs, const SessionOptions &opts)
        : tracker_(dag), jobs_(jobs), opts_(opts)
    {
    }
    void on_waiting(const Dag &dag, VertexId v) override
    {
        if (opts_.on_waiting)
            for (uint32_t s : dag[v].sectors) opts_.on_waiting(*jobs_[s], dag[v].kind);
    }
    void on_started(const Dag &dag, VertexId v, const VertexContext &ctx) override
    {
        tracker_.on_started(dag, v, ctx);
        forward(dag, v);
    }
    void on_progress(const Dag &dag, VertexId v, double fraction) override
    {
        tracker_.on_progress(dag, v, fraction);
        forward(dag, v);
    }
    void on_finished(const Dag &dag, VertexId v, const VertexResult &r) override
    {
        tracker_.on_finished(dag, v, r);
        forward(dag, v);
    }

private:
    void forward(const Dag &dag, VertexId v)
    {
        if (!opts_.on_progress) return;
        for (uint32_t s : dag[v].sectors) {
            SectorProgress p = tracker_.sector(s);
            {
                std::lock_guard lock(jobs_[s]->record_mutex);
                jobs_[s]->record.progress = p.fraction;
            }
            opts_.on_progress(*jobs_[s], p);
        }
    }
    ProgressTracker tracker_;
    const std::vector<SectorJob *> &jobs_;
    const SessionOptions &opts_;
};

Status open_record(SectorJob &job)
{
    DMC_TRY_VOID(make_dirs(job.work_dir));
    job.record_path = job.work_dir + "/" + resume_record_file_name(job.sector_id());
    std::error_code ec;
    if (std::filesystem::exists(job.record_path, ec)) {
        ResumeRecord r;
        DMC_TRY_ASSIGN(r, load_resume_record(job.record_path));
        if (r.miner != job.spec.miner || r.number != job.spec.number || r.proof_id != job.spec.proof_id ||
            r.plan != job.spec.plan)
            return make_error(Errc::conflict, "work dir " + job.work_dir + " holds a task of " + r.sector_id + " (" +
                                                  plan_name(r.plan) + ", proof " + std::to_string(r.proof_id) +
                                                  "); use another work dir or remove it");
        job.record = std::move(r);
        job.record.attempts += 1;
        spdlog::info("{}: resuming from state {} ({} vertices done, attempt {})", job.sector_id(),
                     task_state_name(job.record.state), job.record.completed.size(), job.record.attempts);
    } else {
        job.record = ResumeRecord::for_sector(job.spec, unix_now_ms());
        job.record.attempts = 1;
    }
    return engine::save_record(job);
}

} // namespace

Result<std::vector<JobOutcome>> run_jobs(Engine &engine, std::vector<SectorJob *> jobs, const SessionOptions &options)
{
    DMC_TRY_VOID(engine.init());
    std::vector<SectorSpec> specs;
    for (SectorJob *job : jobs) {
        if (!job->proof) return make_error(Errc::invalid_argument, job->sector_id() + ": no proof type");
        job->spec.proof_id = job->proof->id;
        DMC_TRY_VOID(open_record(*job));
        specs.push_back(job->spec);
    }
    DagBuildOptions build;
    build.chooser = registry_stage_chooser(engine.registry(), engine.options().plugin_overrides);
    Dag dag;
    DMC_TRY_ASSIGN(dag, build_batch_dag(specs, build));
    DMC_TRY_VOID(require_plugins(dag));

    engine::SealRunner runner(engine, jobs, options);
    ProgressForwarder forwarder(dag, jobs, options);
    RunOptions ro;
    ro.cancel = options.cancel;
    ro.observer = &forwarder;
    RunReport report;
    DMC_TRY_ASSIGN(report, engine.scheduler().run(dag, runner, ro));

    std::vector<JobOutcome> outcomes;
    for (size_t i = 0; i < jobs.size(); ++i) {
        const SectorResult &r = report.sectors[i];
        JobOutcome o;
        o.outcome = r.outcome;
        o.error = r.error;
        if (r.failed_vertex) o.failed_vertex = vertex_kind_name(dag[*r.failed_vertex].kind);
        outcomes.push_back(std::move(o));
    }
    return outcomes;
}

} // namespace dmc::core
