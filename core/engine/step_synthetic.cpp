// SPDX-License-Identifier: Apache-2.0
//
// The synthetic proofs file of a synthetic-PoRep sector (docs/file-formats.md
// §2.7, docs/algorithms.md §12.4): lotus keeps it in the cache after PC2, in
// place of the layers, so a rebuild recreates it. Every one of the
// min(N, 2^18) synthetic challenges is proved from the work directory's full
// cache with the sdk's generator and verified here before it is written, as
// the proofs library does before it writes the file (a plugin's layers are
// never trusted beyond what the proofs show). Batches keep memory bounded;
// the generation and verification caches let the 2^18 proofs of an 8MiB
// sector share rebuilt tree segments, tree paths and column hashes.
#include <algorithm>

#include "damocles/sdk/challenges.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/sealed_sector.hpp"
#include "damocles/sdk/synthetic_proofs.hpp"
#include "engine/seal_runner.hpp"

namespace dmc::core::engine {

namespace {

constexpr size_t kBatch = 1024;

} // namespace

Status write_synthetic_proofs(SectorJob &job, VertexContext &ctx)
{
    TaskOutputs out;
    {
        std::lock_guard lock(job.record_mutex);
        out = job.record.outputs;
    }
    if (!out.replica_id || !out.comm_d || !out.comm_c || !out.comm_r_last || !out.comm_r)
        return make_error(Errc::internal, "synthetic proofs before PC2");
    const SealProof &proof = *job.proof;
    SealedSectorFiles files;
    DMC_TRY_ASSIGN(files, SealedSectorFiles::open(proof, job.cache_dir(), job.replica_path(), true));
    const SdrGraph graph = SdrGraph::for_proof(proof);
    const std::vector<uint64_t> challenges = synthetic_challenges(*out.replica_id, *out.comm_r, proof.nodes(),
                                                                  default_synthetic_challenge_count(proof.nodes()));
    AtomicFileWriter writer;
    DMC_TRY_ASSIGN(writer, AtomicFileWriter::create(job.cache_dir() + "/" + kSyntheticProofsFileName));
    DMC_TRY_VOID(writer.write(synthetic_proofs_header(*out.comm_d, *out.comm_c, *out.comm_r_last)));
    VanillaProofCache generation;
    VanillaVerifyCache verification;
    std::vector<uint8_t> records;
    for (size_t first = 0; first < challenges.size(); first += kBatch) {
        const std::span<const uint64_t> batch(challenges.data() + first, std::min(kBatch, challenges.size() - first));
        VanillaPorepProofs proofs;
        DMC_TRY_ASSIGN(proofs,
                       generate_vanilla_proofs(proof, graph, files.view(), *out.replica_id, batch, &generation));
        if (proofs.comm_c != *out.comm_c || proofs.comm_r_last != *out.comm_r_last)
            return make_error(Errc::verify_failed, "synthetic proofs: the work directory's trees are not the ones "
                                                   "comm_r_check accepted");
        Status ok = verify_vanilla_proofs(proof, graph, proofs, *out.replica_id, *out.comm_d, *out.comm_r, batch,
                                          &verification);
        if (!ok) return ok.error().context("synthetic proofs");
        records.clear();
        for (const auto &p : proofs.proofs) DMC_TRY_VOID(append_synthetic_proof_record(records, proof, p));
        DMC_TRY_VOID(writer.write(records));
        ctx.report_progress(static_cast<double>(first + batch.size()) / static_cast<double>(challenges.size()));
        if (ctx.cancelled()) return make_error(Errc::cancelled, "cancelled");
    }
    return writer.commit();
}

} // namespace dmc::core::engine
