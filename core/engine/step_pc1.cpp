// SPDX-License-Identifier: Apache-2.0
//
// The pc1 step: replica id from (prover id, sector number, ticket, CommD,
// porep id), the verified parent cache, and one call of the selected pc1
// stage for every sector of the (possibly fused) vertex. Each layer the
// stage makes durable is checkpointed in the resume record, so a killed PC1
// resumes at the first missing layer.
#include <filesystem>
#include <vector>

#include <spdlog/spdlog.h>

#include "damocles/sdk/file.hpp"
#include "damocles/sdk/ids.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "engine/failpoints.hpp"
#include "engine/seal_runner.hpp"
#include "engine/stage_call.hpp"

namespace dmc::core::engine {

namespace {

struct LayerCheckpoint {
    std::vector<SectorJob *> jobs;
    Status error;
};

void on_layer_done(void *user, uint32_t sector_index, uint32_t layer)
{
    auto *cp = static_cast<LayerCheckpoint *>(user);
    if (sector_index >= cp->jobs.size()) return;
    SectorJob &job = *cp->jobs[sector_index];
    {
        std::lock_guard lock(job.record_mutex);
        job.record.pc1_layers_done = std::max(job.record.pc1_layers_done, layer);
    }
    Status st = save_record(job);
    if (!st && cp->error.ok()) cp->error = st;
    spdlog::info("{}: PC1 layer {} of {} written", job.sector_id(), layer, job.proof->layers);
    Status fp = failpoint("pc1.layer:" + std::to_string(layer), job);
    if (!fp && cp->error.ok()) cp->error = fp;
}

// Layers 1..done present with the right size: resume after them.
uint32_t resume_layer(const SectorJob &job, uint32_t done)
{
    auto layout = sector_tree_layout(job.proof->sector_size);
    if (!layout) return 1;
    for (uint32_t l = 1; l <= done && l <= layout->label_files.size(); ++l) {
        std::error_code ec;
        auto size = std::filesystem::file_size(job.cache_dir() + "/" + layout->label_files[l - 1], ec);
        if (ec || size != layout->nodes * 32) return l;
    }
    return done + 1;
}

} // namespace

Status step_pc1(Engine &engine, const std::vector<SectorJob *> &jobs, VertexContext &ctx)
{
    if (jobs.empty()) return {};
    StageHandle stage;
    DMC_TRY_ASSIGN(stage, engine.stage(DMC_STAGE_PC1));
    if (jobs.size() > stage.max_sectors())
        return make_error(Errc::internal, "pc1 plugin " + stage.plugin_name() + " takes " +
                                              std::to_string(stage.max_sectors()) + " sectors per call, got " +
                                              std::to_string(jobs.size()));
    const SealProof &proof = *jobs.front()->proof;
    std::string parent_cache;
    DMC_TRY_ASSIGN(parent_cache, engine.parent_cache(proof));

    std::vector<dmc_pc1_sector> sectors;
    std::vector<SectorJob *> to_run;
    std::vector<std::string> cache_dirs;
    cache_dirs.reserve(jobs.size());
    for (SectorJob *job : jobs) {
        if (job->proof->id != proof.id) return make_error(Errc::internal, "fused PC1 mixes proof types");
        DMC_TRY_VOID(make_dirs(job->cache_dir()));
        std::lock_guard lock(job->record_mutex);
        auto &out = job->record.outputs;
        // The unseal plan regenerates the key of the sealed sector: its
        // replica id comes from the registered CommD (the CC one for a snap
        // sector's sector key), there is no data yet.
        const std::optional<Bytes32> &comm_d = job->spec.plan == Plan::unseal ? job->expected_comm_d : out.comm_d;
        if (!comm_d) return make_error(Errc::internal, job->sector_id() + ": PC1 before tree_d");
        Bytes32 rid = replica_id(prover_id_from_actor_id(job->spec.miner), job->spec.number, job->ticket, *comm_d,
                                 proof.porep_id());
        if (out.replica_id && *out.replica_id != rid) job->record.pc1_layers_done = 0; // inputs changed
        out.replica_id = rid;
        uint32_t first = resume_layer(*job, job->record.pc1_layers_done);
        if (first > proof.layers) continue; // every layer is already durable
        if (first > 1) spdlog::info("{}: PC1 resumes at layer {}", job->sector_id(), first);
        dmc_pc1_sector s{};
        s.struct_size = sizeof s;
        s.first_layer = first;
        std::copy(rid.begin(), rid.end(), s.replica_id);
        cache_dirs.push_back(job->cache_dir());
        s.cache_dir = cache_dirs.back().c_str();
        sectors.push_back(s);
        to_run.push_back(job);
    }
    for (SectorJob *job : jobs) DMC_TRY_VOID(save_record(*job));
    if (to_run.empty()) return {};

    LayerCheckpoint checkpoint{to_run, {}};
    dmc_pc1_args args{};
    args.struct_size = sizeof args;
    args.num_sectors = static_cast<uint32_t>(sectors.size());
    args.registered_proof = proof.id;
    args.parent_cache_path = parent_cache.c_str();
    args.sectors = sectors.data();
    args.layer_done = &on_layer_done;
    args.layer_done_user = &checkpoint;
    StageCall call(ctx);
    DMC_TRY_VOID(call.result(stage.ops<dmc_pc1_ops>()->run(call.get(), &args), "pc1", stage.plugin_name()));
    DMC_TRY_VOID(checkpoint.error);
    for (SectorJob *job : to_run) {
        std::lock_guard lock(job->record_mutex);
        job->record.pc1_layers_done = proof.layers;
    }
    return {};
}

} // namespace dmc::core::engine
