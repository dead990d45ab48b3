// SPDX-License-Identifier: Apache-2.0
#include "engine/seal_runner.hpp"

#include <filesystem>

#include <spdlog/spdlog.h>

#include "damocles/sdk/synthetic_proofs.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "engine/failpoints.hpp"
#include "engine/stage_timer.hpp"

namespace dmc::core::engine {

namespace fs = std::filesystem;

Status save_record(SectorJob &job)
{
    std::lock_guard lock(job.record_mutex);
    job.record.updated_ms = unix_now_ms();
    return save_resume_record(job.record_path, job.record);
}

SealRunner::SealRunner(Engine &engine, std::vector<SectorJob *> jobs, const SessionOptions &options)
    : engine_(engine), jobs_(std::move(jobs)), options_(options)
{
}

Status SealRunner::complete(SectorJob &job, VertexKind kind)
{
    {
        std::lock_guard lock(job.record_mutex);
        job.record.mark_done(kind, unix_now_ms());
        job.record.last_error.clear();
    }
    DMC_TRY_VOID(save_record(job));
    spdlog::info("{}: {} done -> {}", job.sector_id(), vertex_kind_name(kind), task_state_name(job.record.state));
    if (options_.on_vertex_done) options_.on_vertex_done(job, kind);
    return {};
}

Status SealRunner::run_one(VertexKind kind, SectorJob &job, VertexContext &ctx)
{
    switch (kind) {
    case VertexKind::add_pieces: return step_add_pieces(job, ctx);
    case VertexKind::tree_d: return step_tree_d(engine_, job, ctx);
    case VertexKind::tree_c: return step_tree_c(engine_, job, ctx);
    case VertexKind::tree_r_last: return step_tree_r_last(engine_, job, ctx);
    case VertexKind::comm_r_check: return step_comm_r_check(job, ctx);
    case VertexKind::check_sealed: return step_check_sealed(engine_, job, ctx);
    case VertexKind::add_new_pieces: return step_add_new_pieces(job, ctx);
    case VertexKind::tree_d_new: return step_tree_d_new(engine_, job, ctx);
    case VertexKind::snap_encode: return step_snap_encode(engine_, job, ctx);
    case VertexKind::snap_check: return step_snap_check(engine_, job, ctx);
    case VertexKind::persist:
        if (!job.persist) return make_error(Errc::internal, "no persist target for " + job.sector_id());
        return job.persist(job);
    case VertexKind::report: return job.report ? job.report(job) : Status{};
    case VertexKind::unseal_decode: return step_unseal_decode(job, ctx);
    case VertexKind::pc1: break; // dispatched in run(): it may serve several sectors
    }
    return make_error(Errc::internal, std::string("step ") + vertex_kind_name(kind) + " dispatched wrongly");
}

Status SealRunner::run(const Dag &dag, VertexId v, VertexContext &ctx)
{
    const VertexKind kind = dag[v].kind;
    if (options_.stop_before_vertex && options_.stop_before_vertex())
        return make_error(Errc::cancelled, std::string("paused before ") + vertex_kind_name(kind));
    if (options_.on_started)
        for (uint32_t s : ctx.sectors) options_.on_started(*jobs_.at(s), kind);
    const std::string name = vertex_kind_name(kind);
    StageTimer stage_timer(engine_.options().on_stage_timed, name); // an error unless succeeded()
    for (uint32_t s : ctx.sectors) DMC_TRY_VOID(failpoint("before:" + name, *jobs_.at(s)));
    if (kind == VertexKind::pc1) {
        std::vector<SectorJob *> jobs;
        for (uint32_t s : ctx.sectors) jobs.push_back(jobs_.at(s));
        for (auto *job : jobs) {
            std::lock_guard lock(job->record_mutex);
            if (ctx.numa_os_index >= 0) job->record.numa_node = ctx.numa_os_index;
        }
        DMC_TRY_VOID(step_pc1(engine_, jobs, ctx));
        for (auto *job : jobs) DMC_TRY_VOID(complete(*job, kind));
        for (auto *job : jobs) DMC_TRY_VOID(failpoint("after:" + name, *job));
        return stage_timer.succeeded();
    }
    for (uint32_t s : ctx.sectors) {
        SectorJob &job = *jobs_.at(s);
        Status st = run_one(kind, job, ctx);
        if (!st) {
            std::lock_guard lock(job.record_mutex);
            job.record.last_error = std::string(vertex_kind_name(kind)) + ": " + st.error().message;
            (void)save_resume_record(job.record_path, job.record);
            return st;
        }
        DMC_TRY_VOID(complete(job, kind));
        DMC_TRY_VOID(failpoint("after:" + name, job));
    }
    return stage_timer.succeeded();
}

namespace {

// The checks of docs/architecture.md §9 that compare what was rebuilt with
// the registry (comm_r_check) and prove it in the host (check_sealed,
// snap_check).
bool is_check_before_persist(VertexKind kind)
{
    return kind == VertexKind::comm_r_check || kind == VertexKind::check_sealed || kind == VertexKind::snap_check;
}

} // namespace

bool SealRunner::is_done(const Dag &dag, VertexId v, uint32_t sector)
{
    SectorJob &job = *jobs_.at(sector);
    const VertexKind kind = dag[v].kind;
    bool recorded, persisted;
    {
        std::lock_guard lock(job.record_mutex);
        recorded = job.record.is_done(kind);
        persisted = job.record.is_done(VertexKind::persist);
    }
    if (!recorded) return false;
    // A resumed run that has not persisted yet checks again, whatever its
    // record says: a forced `resume --state`, or a record from another
    // version or edited by hand, can never let unchecked files be persisted.
    if (is_check_before_persist(kind) && !persisted && dag.find(sector, VertexKind::persist)) {
        spdlog::info("{}: {} runs again before persist", job.sector_id(), vertex_kind_name(kind));
        return false;
    }
    if (!outputs_present(job, kind)) {
        spdlog::warn("{}: {} was recorded done but its outputs are gone; running it again", job.sector_id(),
                     vertex_kind_name(kind));
        return false;
    }
    spdlog::info("{}: resuming after {} (recorded done)", job.sector_id(), vertex_kind_name(kind));
    return true;
}

bool outputs_present(const SectorJob &job, VertexKind kind)
{
    std::error_code ec;
    auto exists = [&](const std::string &p) { return fs::exists(p, ec); };
    const auto &out = job.record.outputs;
    auto layout = sector_tree_layout(job.proof->sector_size);
    if (!layout) return false;
    const bool unseal = job.spec.plan == Plan::unseal;
    switch (kind) {
    case VertexKind::add_pieces: return out.comm_d.has_value() && exists(job.staged_path());
    case VertexKind::tree_d:
        // The unseal plan checks a snap sector's decoded data against comm_d_new.
        return (unseal && job.snap ? out.comm_d_new : out.comm_d).has_value() &&
               exists(job.cache_dir() + "/" + tree_d_file_name());
    case VertexKind::unseal_decode: return exists(job.staged_path());
    case VertexKind::check_sealed:
        return job.proof->feature != ProofFeature::synthetic_porep ||
               exists(job.cache_dir() + "/" + kSyntheticProofsFileName);
    case VertexKind::pc1:
        if (!out.replica_id) return false;
        for (const auto &f : layout->label_files)
            if (!exists(job.cache_dir() + "/" + f)) return false;
        return true;
    case VertexKind::tree_c:
        if (!out.comm_c) return false;
        for (const auto &f : layout->tree_c_files)
            if (!exists(job.cache_dir() + "/" + f)) return false;
        return true;
    case VertexKind::tree_r_last:
        if (!out.comm_r_last || !exists(job.spec.plan == Plan::cache_only ? job.surviving_replica : job.replica_path()))
            return false;
        for (const auto &f : layout->tree_r_last_files)
            if (!exists(job.cache_dir() + "/" + f)) return false;
        return true;
    case VertexKind::comm_r_check: return out.comm_r.has_value() && exists(job.cache_dir() + "/" + kPAuxFileName);
    case VertexKind::add_new_pieces: return out.comm_d_new.has_value() && exists(job.snap_staged_path());
    case VertexKind::tree_d_new:
        return out.comm_d_new.has_value() && exists(job.update_cache_dir() + "/" + tree_d_file_name());
    case VertexKind::snap_encode:
        if (!out.comm_r_new || !exists(job.update_path())) return false;
        for (const auto &f : layout->tree_r_last_files)
            if (!exists(job.update_cache_dir() + "/" + f)) return false;
        return true;
    default: return true;
    }
}

} // namespace dmc::core::engine
