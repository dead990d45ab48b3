// SPDX-License-Identifier: Apache-2.0
//
// The VertexRunner of the engine: dispatches each DAG vertex to its step
// (engine/step_*.cpp), and keeps every job's resume record in step with what
// is durable on disk (a vertex counts as done only after its outputs are
// written and the record saying so is saved).
#pragma once

#include <functional>
#include <vector>

#include "damocles/core/engine.hpp"
#include "damocles/core/internal/scheduler.hpp"

namespace dmc::core::engine {

class SealRunner final : public VertexRunner {
public:
    SealRunner(Engine &engine, std::vector<SectorJob *> jobs, const SessionOptions &options);

    Status run(const Dag &dag, VertexId v, VertexContext &ctx) override;
    bool is_done(const Dag &dag, VertexId v, uint32_t sector) override;

private:
    Status run_one(VertexKind kind, SectorJob &job, VertexContext &ctx);
    Status complete(SectorJob &job, VertexKind kind);
    Engine &engine_;
    std::vector<SectorJob *> jobs_;
    const SessionOptions &options_;
};

// Saves the job's record (under its mutex).
Status save_record(SectorJob &job);

// Shared by the sealing and the snap steps: stage pieces into `path`
// (returns the CommD of the pieces) and run the tree_d stage over `staged`
// into `dir` (returns its root).
Result<Bytes32> stage_pieces(const std::string &path, const std::vector<JobPiece> &pieces, uint64_t sector_size,
                             VertexContext &ctx);
Result<Bytes32> run_tree_d(Engine &engine, const SectorJob &job, const std::string &staged, const std::string &dir,
                           VertexContext &ctx);

// The steps (one file per group).
Status step_add_pieces(SectorJob &job, VertexContext &ctx);
Status step_tree_d(Engine &engine, SectorJob &job, VertexContext &ctx);
Status step_pc1(Engine &engine, const std::vector<SectorJob *> &jobs, VertexContext &ctx);
Status step_tree_c(Engine &engine, SectorJob &job, VertexContext &ctx);
Status step_tree_r_last(Engine &engine, SectorJob &job, VertexContext &ctx);
Status step_comm_r_check(SectorJob &job, VertexContext &ctx);
Status step_check_sealed(Engine &engine, SectorJob &job, VertexContext &ctx);
Status step_add_new_pieces(SectorJob &job, VertexContext &ctx);
Status step_tree_d_new(Engine &engine, SectorJob &job, VertexContext &ctx);
Status step_snap_encode(Engine &engine, SectorJob &job, VertexContext &ctx);
Status step_snap_check(Engine &engine, SectorJob &job, VertexContext &ctx);
Status step_unseal_decode(SectorJob &job, VertexContext &ctx);
// Synthetic PoRep: every synthetic challenge proved and verified here, the
// proofs written as the cache's synthetic proofs file (step_synthetic.cpp).
Status write_synthetic_proofs(SectorJob &job, VertexContext &ctx);

// Output files present (resume sanity: a vertex recorded done whose outputs
// were removed is run again).
bool outputs_present(const SectorJob &job, VertexKind kind);

} // namespace dmc::core::engine
