// SPDX-License-Identifier: Apache-2.0
//
// porep_vanilla stage of the cpu plugin (docs/algorithms.md §12.5): vanilla proofs for the
// given challenges from the full cache (layers, tree-d, tree-c, tree-r-last)
// and the replica, written in the sdk's file format for the host to verify.
// Parents are recomputed from the graph (a handful of nodes), so the parent
// cache is not needed here.
#include <string>

#include "cpu_stages.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/sealed_sector.hpp"
#include "damocles/sdk/stage_support.hpp"

namespace dmc::cpu {

namespace {

Status prove(const dmc_call *call, dmc_porep_vanilla_args *args)
{
    if (args->struct_size < sizeof(dmc_porep_vanilla_args))
        return make_error(Errc::invalid_argument, "args struct too short");
    if (!args->cache_dir || !args->replica_path || !args->proofs_path)
        return make_error(Errc::invalid_argument, "cache_dir, replica_path and proofs_path are required");
    if (args->num_challenges > 0 && !args->challenges) return make_error(Errc::invalid_argument, "no challenges given");
    const SealProof *proof;
    DMC_TRY_ASSIGN(proof, find_seal_proof(args->registered_proof));
    SealedSectorFiles files;
    DMC_TRY_ASSIGN(files, SealedSectorFiles::open(*proof, args->cache_dir, args->replica_path, true));
    const SdrGraph graph = SdrGraph::for_proof(*proof);
    Bytes32 replica_id;
    std::copy(args->replica_id, args->replica_id + 32, replica_id.begin());
    std::span<const uint64_t> challenges(args->challenges, args->num_challenges);
    if (plugin::cancel_requested(call)) return make_error(Errc::cancelled, "cancelled");
    VanillaPorepProofs proofs;
    DMC_TRY_ASSIGN(proofs, generate_vanilla_proofs(*proof, graph, files.view(), replica_id, challenges));
    if (call->progress) call->progress(call->progress_user, args->num_challenges, args->num_challenges);
    return write_file_atomic(args->proofs_path, serialize_vanilla_proofs(proofs));
}

dmc_status run(const dmc_call *call, dmc_porep_vanilla_args *args)
{
    return plugin::run_stage(call, "porep_vanilla", [&] { return prove(call, args); });
}

} // namespace

const dmc_porep_vanilla_ops kCpuPorepVanillaOps = {sizeof(dmc_porep_vanilla_ops), 0, run};

} // namespace dmc::cpu
