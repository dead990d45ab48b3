// SPDX-License-Identifier: Apache-2.0
#include "framework_cli.hpp"

#include "cli_common.hpp"
#include "damocles/core/internal/sector_json.hpp"
#include "damocles/sdk/proof.hpp"

namespace dmc::cli {

using nlohmann::json;

std::unique_ptr<Framework> open_framework(const EngineCliOptions &o)
{
    core::EngineOptions e = engine_options(o); // validates the flags (exit 2)
    FrameworkOptions fo;
    fo.plugins = e.plugin_overrides;
    fo.concurrency = e.budget.concurrency;
    fo.parent_cache_dir = e.parent_cache_dir;
    fo.cores = e.budget.cores;
    fo.memory_bytes = e.budget.memory_bytes;
    return must(Framework::open(fo));
}

namespace {

std::vector<core::PieceRecord> piece_records(const std::vector<PieceSummary> &pieces)
{
    std::vector<core::PieceRecord> out;
    for (const auto &p : pieces) out.push_back({p.cid, p.padded_size, p.offset, std::nullopt, p.source});
    return out;
}

} // namespace

json seal_result_json(const SealResult &r)
{
    core::SectorRecord rec;
    rec.key = {r.miner, r.number};
    rec.proof_id = r.proof_id;
    rec.ticket = r.ticket;
    rec.comm_d = r.comm_d_cid;
    rec.comm_r = r.comm_r_cid;
    // All-zero: not known (an unseal run of a record without them).
    if (r.comm_c != Bytes32{} || r.comm_r_last != Bytes32{}) {
        rec.comm_c = r.comm_c;
        rec.comm_r_last = r.comm_r_last;
    }
    rec.keep_unsealed = !r.unsealed_path.empty();
    json j = {{"replica_id", to_hex(r.replica_id)},
              {"comm_d", r.comm_d_cid},
              {"comm_r", r.comm_r_cid},
              {"comm_d_hex", to_hex(r.comm_d)},
              {"comm_r_hex", to_hex(r.comm_r)},
              {"sealed", r.sealed_path},
              {"cache", r.cache_path}};
    if (!r.unsealed_path.empty()) j["unsealed"] = r.unsealed_path;
    if (r.comm_r_new) {
        core::SnapRecord snap;
        auto proof = find_seal_proof(r.proof_id);
        snap.proof =
            std::string("StackedDrg") + (proof ? proof.value()->size_name : "") + "V1"; // RegisteredUpdateProof
        snap.comm_d_new = r.comm_d_new_cid;
        snap.comm_r_new = r.comm_r_new_cid;
        snap.pieces = piece_records(r.new_pieces);
        rec.upgraded = true;
        rec.snap = snap;
        j["comm_d_new"] = r.comm_d_new_cid;
        j["comm_r_new"] = r.comm_r_new_cid;
        j["update"] = r.update_path;
        j["update_cache"] = r.update_cache_path;
    } else {
        rec.pieces = piece_records(r.pieces);
    }
    j["sector"] = core::sector_to_json(rec);
    return j;
}

} // namespace dmc::cli
