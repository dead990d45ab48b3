// SPDX-License-Identifier: Apache-2.0
#include "service/importers/lotus_miner_importer.hpp"

#include <algorithm>
#include <array>
#include <variant>

#include "damocles/sdk/proof.hpp"
#include "service/importers/sector_pieces.hpp"

namespace dmc::service::importers {

namespace {

// What one sector became: a record, or why not (incomplete or refused).
struct Skip {
    std::string reason;
    bool refused = false;
};
using Outcome = std::variant<core::SectorRecord, Skip>;

std::vector<SourcePiece> source_pieces(const chain::MinerSectorInfo &info)
{
    std::vector<SourcePiece> pieces;
    for (const auto &piece : info.pieces) {
        SourcePiece source;
        source.cid = piece.piece_cid;
        source.padded_size = piece.padded_size;
        source.filler = piece.is_filler();
        if (piece.deal && piece.deal->deal_id != 0) source.deal_id = piece.deal->deal_id;
        source.keep_unsealed = piece.deal && piece.deal->keep_unsealed;
        pieces.push_back(std::move(source));
    }
    return pieces;
}

bool has_data_pieces(const std::vector<SourcePiece> &pieces)
{
    return std::any_of(pieces.begin(), pieces.end(), [](const SourcePiece &piece) { return !piece.filler; });
}

// The update of a SnapDeals sector from the chain: lotus-miner's CommR must be
// the chain's SectorKeyCID; the new CommR is SealedCID; the new CommD is
// what the new pieces give.
Outcome complete_upgrade(core::SectorRecord record, const SealProof &proof, const std::vector<SourcePiece> &pieces,
                         const std::optional<chain::SectorOnChainInfo> &on_chain, int64_t height)
{
    const std::string at = " at height " + std::to_string(height);
    if (!on_chain) return Skip{"not on chain" + at + " (StateSectorGetInfo returned null)", true};
    if (!on_chain->sector_key_cid)
        return Skip{"lotus-miner lists new pieces for a SnapDeals update but the chain has no SectorKeyCID" + at +
                    " (the update is not on chain yet)"};
    if (*on_chain->sector_key_cid != record.comm_r)
        return Skip{"lotus-miner's CommR " + record.comm_r + " differs from the chain's SectorKeyCID " +
                        *on_chain->sector_key_cid + at,
                    true};
    auto comm_d_new = listed_comm_d(proof, pieces);
    if (!comm_d_new) return Skip{"new pieces: " + comm_d_new.error().message};
    auto new_pieces = record_pieces(proof, pieces, *comm_d_new);
    if (!new_pieces) return Skip{"new pieces: " + new_pieces.error().message};
    core::SnapRecord snap;
    snap.proof = update_proof_name(proof);
    snap.comm_d_new = *comm_d_new;
    snap.comm_r_new = on_chain->sealed_cid;
    snap.pieces = std::move(*new_pieces);
    record.upgraded = true;
    record.snap = std::move(snap);
    return record;
}

Result<Outcome> sector_outcome(uint64_t miner_id, const chain::MinerSectorInfo &info, const chain::FullNodeClient *node,
                               const std::optional<chain::TipSet> &head, const LotusMinerImportOptions &options)
{
    const LotusStateKind kind = classify_lotus_state(info.state);
    if (kind == LotusStateKind::other) return Outcome{Skip{"state " + info.state + ": not a sealed sector on chain"}};
    if (kind == LotusStateKind::snap_in_progress)
        return Outcome{
            Skip{"SnapDeals upgrade in progress (state " + info.state + "): import it once the update is on chain"}};
    auto proof = find_seal_proof(info.seal_proof);
    if (!proof) return Outcome{Skip{"SealProof: " + proof.error().message}};
    if (!info.ticket.value) return Outcome{Skip{"no ticket (Ticket.Value is empty)"}};
    if (!info.comm_d_cid || !info.comm_r_cid) return Outcome{Skip{"no CommD/CommR recorded"}};

    core::SectorRecord record;
    record.key = {miner_id, info.sector_id};
    record.proof_id = info.seal_proof;
    record.ticket = info.ticket.value;
    record.ticket_epoch = info.ticket.epoch;
    record.comm_d = *info.comm_d_cid;
    record.comm_r = *info.comm_r_cid;
    record.store = options.store;

    const auto pieces = source_pieces(info);
    record.keep_unsealed = wants_unsealed_copy(pieces);
    // A CC CommD with data pieces: the pieces are a SnapDeals update's.
    const bool upgraded =
        kind == LotusStateKind::upgraded || (record.comm_d == cc_comm_d(**proof) && has_data_pieces(pieces));
    if (!upgraded) {
        auto record_pieces_result = record_pieces(**proof, pieces, record.comm_d);
        if (!record_pieces_result) return Outcome{Skip{record_pieces_result.error().message}};
        record.pieces = std::move(*record_pieces_result);
        return Outcome{std::move(record)};
    }
    if (record.comm_d != cc_comm_d(**proof))
        return Outcome{Skip{"upgraded by SnapDeals, but the original CommD " + record.comm_d +
                            " is not a committed-capacity sector's"}};
    if (!node)
        return Outcome{Skip{"upgraded by SnapDeals: lotus-miner reports the original CommR and the new pieces; the "
                            "update's CommR is only on chain: pass --lotus"}};
    const chain::IdAddress miner{miner_id, options.network};
    DMC_TRY_ASSIGN(auto on_chain, node->state_sector_get_info(miner, info.sector_id, head->key));
    return complete_upgrade(std::move(record), **proof, pieces, on_chain, head->height);
}

} // namespace

LotusStateKind classify_lotus_state(std::string_view state)
{
    // Proving and the faulty states (the lost-disk case) are sealed sectors.
    static constexpr std::array<std::string_view, 5> kSealed = {"Proving", "Available", "FinalizeSector", "Faulty",
                                                                "FaultReported"};
    // After ReplicaUpdateWait the update is on chain.
    static constexpr std::array<std::string_view, 5> kUpgraded = {"FinalizeReplicaUpdate",
                                                                  "FinalizeReplicaUpdateFailed", "UpdateActivating",
                                                                  "ReleaseSectorKey", "ReleaseSectorKeyFailed"};
    static constexpr std::array<std::string_view, 13> kSnapping = {
        "SnapDealsWaitDeals",  "SnapDealsAddPiece",       "SnapDealsPacking",      "UpdateReplica",
        "ProveReplicaUpdate",  "SubmitReplicaUpdate",     "WaitMutable",           "ReplicaUpdateWait",
        "ReplicaUpdateFailed", "SnapDealsAddPieceFailed", "SnapDealsDealsExpired", "SnapDealsRecoverDealIDs",
        "AbortUpgrade"};
    auto listed_in = [&](const auto &list) { return std::find(list.begin(), list.end(), state) != list.end(); };
    if (listed_in(kSealed)) return LotusStateKind::sealed;
    if (listed_in(kUpgraded)) return LotusStateKind::upgraded;
    if (listed_in(kSnapping)) return LotusStateKind::snap_in_progress;
    return LotusStateKind::other;
}

Result<ImportBatch> import_from_lotus_miner(const chain::MinerClient &miner, const chain::FullNodeClient *node,
                                            const LotusMinerImportOptions &options)
{
    DMC_TRY_ASSIGN(chain::IdAddress actor, miner.actor_address());
    DMC_TRY_ASSIGN(std::vector<uint64_t> listed, miner.sectors_list());
    std::sort(listed.begin(), listed.end());
    ImportBatch batch;
    std::vector<uint64_t> numbers = listed;
    if (options.sectors) {
        numbers.clear();
        for (uint64_t number : *options.sectors) {
            if (std::binary_search(listed.begin(), listed.end(), number))
                numbers.push_back(number);
            else
                batch.incomplete.push_back({{actor.id, number}, "lotus-miner does not list this sector"});
        }
    }
    std::optional<chain::TipSet> head;
    if (node) {
        DMC_TRY_ASSIGN(head, node->chain_head());
    }
    for (uint64_t number : numbers) {
        DMC_TRY_ASSIGN(chain::MinerSectorInfo info, miner.sectors_status(number, /*show_on_chain_info=*/true));
        DMC_TRY_ASSIGN(Outcome outcome, sector_outcome(actor.id, info, node, head, options));
        if (auto *record = std::get_if<core::SectorRecord>(&outcome)) {
            batch.records.push_back(std::move(*record));
            continue;
        }
        const Skip &skip = std::get<Skip>(outcome);
        (skip.refused ? batch.refused : batch.incomplete).push_back({{actor.id, number}, skip.reason});
    }
    return batch;
}

} // namespace dmc::service::importers
