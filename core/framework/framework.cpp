// SPDX-License-Identifier: Apache-2.0
#include "damocles/core/framework.hpp"

#include <filesystem>
#include <unistd.h>

#include "damocles/core/internal/check_challenges.hpp"
#include "damocles/core/internal/cpu_features.hpp"
#include "damocles/sdk/challenges.hpp"
#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/ids.hpp"
#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/sealed_sector.hpp"
#include "damocles/sdk/synthetic_proofs.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "damocles/sdk/vanilla_porep.hpp"
#include "framework/framework_impl.hpp"

namespace dmc {

namespace fs = std::filesystem;

Framework::Framework(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Framework::~Framework() = default;

Result<std::unique_ptr<Framework>> Framework::open(const FrameworkOptions &options)
{
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    core::DiscoveryOptions d;
    d.extra_dirs = options.plugin_dirs;
    d.use_env = d.use_build_tree = d.use_install_dir = options.default_plugin_dirs;
    impl->registry = core::PluginRegistry::discover(d);
    core::EngineOptions eo;
    eo.plugin_overrides = options.plugins;
    eo.parent_cache_dir = options.parent_cache_dir;
    eo.budget.concurrency = options.concurrency;
    eo.budget.cores = options.cores;
    eo.budget.memory_bytes = options.memory_bytes;
    for (const auto &[stage, plugin] : options.plugins)
        if (!core::stage_kind_from_name(stage))
            return make_error(Errc::invalid_argument, "unknown stage '" + stage + "' in the plugin choices");
    impl->engine = std::make_unique<core::Engine>(impl->registry, eo);
    return std::unique_ptr<Framework>(new Framework(std::move(impl)));
}

std::vector<PluginSummary> Framework::plugins() const
{
    std::vector<PluginSummary> out;
    for (const auto &p : impl_->registry.plugins()) {
        PluginSummary s{p.name, p.version, p.path, {}, p.usable, p.skip_reason};
        for (const auto &st : p.stages) s.stages.push_back(core::stage_kind_name(st.kind));
        out.push_back(std::move(s));
    }
    return out;
}

void Framework::cancel() { impl_->cancel.store(1); }

core::SessionOptions session_options(Framework::Impl &impl, const ProgressCallback &progress)
{
    core::SessionOptions so;
    so.cancel = &impl.cancel;
    if (progress)
        so.on_progress = [progress](const core::SectorJob &job, const core::SectorProgress &p) {
            progress(Progress{job.sector_id(), p.fraction, p.stage, p.eta});
        };
    return so;
}

namespace {

Result<Bytes32> parse_comm(const std::string &text, CommitmentKind kind, const char *what)
{
    if (text.size() == 64)
        if (auto b = bytes32_from_hex(text)) return *b;
    auto c = cid_to_commitment(text, kind);
    if (!c) return make_error(Errc::invalid_argument, std::string("invalid ") + what + ": " + c.error().message);
    return *c;
}

// Vanilla PoRep proofs of the proof family's challenges (check_challenges.hpp)
// through the selected porep_vanilla plugin, verified here.
Status full_check(core::Engine &engine, const SealProof &proof, const VerifyRequest &req, uint64_t miner,
                  const Bytes32 &ticket, const Bytes32 &seed, const Bytes32 &comm_d, const Bytes32 &comm_r,
                  size_t *challenge_count)
{
    Bytes32 rid = replica_id(prover_id_from_actor_id(miner), req.sector, ticket, comm_d, proof.porep_id());
    std::vector<uint64_t> challenges = core::check_sealed_challenges(proof, rid, seed, comm_r);
    *challenge_count = challenges.size();
    core::StageHandle stage;
    DMC_TRY_ASSIGN(stage, engine.stage(DMC_STAGE_POREP_VANILLA));
    char error[1024] = {};
    dmc_call call{};
    call.struct_size = sizeof call;
    call.threads = 1;
    call.numa_node = -1;
    call.error = error;
    call.error_size = sizeof error;
    const std::string proofs_path = req.cache_dir + "/.verify-proofs-" + std::to_string(::getpid());
    dmc_porep_vanilla_args args{};
    args.struct_size = sizeof args;
    args.num_challenges = static_cast<uint32_t>(challenges.size());
    args.registered_proof = proof.id;
    std::copy(rid.begin(), rid.end(), args.replica_id);
    args.challenges = challenges.data();
    args.cache_dir = req.cache_dir.c_str();
    args.replica_path = req.sealed_path.c_str();
    args.proofs_path = proofs_path.c_str();
    if (stage.ops<dmc_porep_vanilla_ops>()->run(&call, &args) != DMC_OK)
        return make_error(Errc::verify_failed, std::string("cannot prove: ") + error);
    std::vector<uint8_t> bytes;
    DMC_TRY_ASSIGN(bytes, read_file(proofs_path));
    std::error_code ec;
    fs::remove(proofs_path, ec);
    VanillaPorepProofs proofs;
    DMC_TRY_ASSIGN(proofs, parse_vanilla_proofs(bytes));
    return verify_vanilla_proofs(proof, SdrGraph::for_proof(proof), proofs, rid, comm_d, comm_r, challenges);
}

// A finalized synthetic-PoRep cache: the proofs of the challenges `seed`
// selects, read from the synthetic proofs file as C1 reads them, verified.
Status synthetic_file_check(const SealProof &proof, const VerifyRequest &req, uint64_t miner, const Bytes32 &ticket,
                            const Bytes32 &seed, const Bytes32 &comm_d, const Bytes32 &comm_r, size_t *challenge_count)
{
    const Bytes32 rid = replica_id(prover_id_from_actor_id(miner), req.sector, ticket, comm_d, proof.porep_id());
    VanillaPorepProofs proofs;
    DMC_TRY_ASSIGN(proofs, read_synthetic_proofs(proof, req.cache_dir + "/" + kSyntheticProofsFileName, rid,
                                                 core::synthetic_check_indexes(proof, rid, seed)));
    const std::vector<uint64_t> challenges = core::check_sealed_challenges(proof, rid, seed, comm_r);
    *challenge_count = challenges.size();
    return verify_vanilla_proofs(proof, SdrGraph::for_proof(proof), proofs, rid, comm_d, comm_r, challenges);
}

} // namespace

Result<VerifyResult> Framework::verify(const VerifyRequest &req)
{
    const SealProof *proof;
    DMC_TRY_ASSIGN(proof, find_seal_proof(req.proof));
    auto miner = parse_miner_id(req.miner);
    if (!miner) return make_error(Errc::invalid_argument, "invalid miner: " + miner.error().message);
    auto ticket = bytes32_from_hex(req.ticket);
    if (!ticket) return make_error(Errc::invalid_argument, "invalid ticket: " + ticket.error().message);
    Bytes32 comm_r;
    DMC_TRY_ASSIGN(comm_r, parse_comm(req.comm_r, CommitmentKind::sealed, "comm_r"));
    std::error_code ec;
    if (!fs::is_regular_file(req.sealed_path, ec))
        return make_error(Errc::invalid_argument, "sealed file " + req.sealed_path + " is not a file");
    if (!fs::is_directory(req.cache_dir, ec))
        return make_error(Errc::invalid_argument, "cache dir " + req.cache_dir + " is not a directory");

    VerifyResult out;
    auto cheap = verify_tree_r_last(*proof, req.cache_dir, req.sealed_path, comm_r, 1);
    if (!cheap) {
        out.detail = cheap.error().message;
        return out;
    }
    out.detail = "tree-r-last, p_aux and comm_r match";
    const bool full_cache = SealedSectorFiles::has_full_cache(*proof, req.cache_dir);
    const bool synthetic_file = proof->feature == ProofFeature::synthetic_porep &&
                                fs::exists(req.cache_dir + "/" + kSyntheticProofsFileName, ec);
    if (!req.cheap_only && (full_cache || synthetic_file)) {
        Bytes32 comm_d;
        if (!req.comm_d.empty()) {
            DMC_TRY_ASSIGN(comm_d, parse_comm(req.comm_d, CommitmentKind::unsealed, "comm_d"));
        } else if (!full_cache) {
            // The synthetic proofs' tree_d paths lead to the root in the
            // file's header: it stands in for comm_d (said below).
            DMC_TRY_ASSIGN(comm_d, read_synthetic_proofs_comm_d(req.cache_dir + "/" + kSyntheticProofsFileName));
            out.detail += "; comm_d taken from the synthetic proofs file (pass comm_d to check it)";
        } else {
            // Without comm_d the tree-d root stands in for it (said below).
            SectorTreeLayout layout;
            DMC_TRY_ASSIGN(layout, sector_tree_layout(proof->sector_size));
            MappedFile tree;
            DMC_TRY_ASSIGN(tree, MappedFile::open_read(req.cache_dir + "/" + tree_d_file_name()));
            if (tree.size() != layout.tree_d_file_bytes) {
                out.detail = "tree-d file has the wrong size";
                return out;
            }
            std::copy_n(tree.data() + tree.size() - 32, 32, comm_d.begin());
            out.detail += "; comm_d taken from tree-d (pass comm_d to check it)";
        }
        Bytes32 seed = *ticket;
        if (!req.seed.empty()) {
            auto s = bytes32_from_hex(req.seed);
            if (!s) return make_error(Errc::invalid_argument, "invalid seed: " + s.error().message);
            seed = *s;
        }
        size_t n = 0;
        Status full = full_cache ? full_check(*impl_->engine, *proof, req, *miner, *ticket, seed, comm_d, comm_r, &n)
                                 : synthetic_file_check(*proof, req, *miner, *ticket, seed, comm_d, comm_r, &n);
        if (!full) {
            out.detail = full.error().message;
            return out;
        }
        out.detail += "; " + std::to_string(n) + " vanilla PoRep challenge proofs verify" +
                      (full_cache ? "" : " (read from the synthetic proofs file)");
    } else {
        out.detail += "; no layers/tree-c/tree-d in the cache, vanilla proofs skipped";
    }
    out.valid = true;
    return out;
}

} // namespace dmc
