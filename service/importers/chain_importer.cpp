// SPDX-License-Identifier: Apache-2.0
#include "service/importers/chain_importer.hpp"

#include "damocles/sdk/proof.hpp"
#include "service/importers/sector_pieces.hpp"

namespace dmc::service::importers {

namespace {

// A sector the chain cannot complete (the reason), or its record.
struct ChainSector {
    std::optional<core::SectorRecord> record;
    std::string reason;
    bool refused = false;
};

ChainSector skipped(std::string reason, bool refused = false)
{
    return ChainSector{std::nullopt, std::move(reason), refused};
}

// The deals' pieces, in the precommit's DealIDs order (the order lotus packs
// them), read at the tipset where the precommit was found.
Result<std::vector<SourcePiece>> deal_pieces(const chain::FullNodeClient &node, const std::vector<uint64_t> &deal_ids,
                                             const chain::TipSetKey &tsk)
{
    std::vector<SourcePiece> pieces;
    for (uint64_t deal_id : deal_ids) {
        DMC_TRY_ASSIGN(chain::MarketDeal deal, node.state_market_storage_deal(deal_id, tsk));
        pieces.push_back({deal.piece_cid, deal.piece_size, deal_id, false});
    }
    return pieces;
}

Result<ChainSector> chain_sector(const chain::FullNodeClient &node, const ChainImportOptions &options, uint64_t number,
                                 const chain::TipSet &head)
{
    const std::string at_head = " at height " + std::to_string(head.height);
    DMC_TRY_ASSIGN(auto info, node.state_sector_get_info(options.miner, number, head.key));
    if (!info) return skipped("not on chain" + at_head + " (StateSectorGetInfo returned null)", true);
    auto proof = find_seal_proof(info->seal_proof);
    if (!proof) return skipped("SealProof: " + proof.error().message);
    if (info->sector_key_cid)
        return skipped("upgraded by SnapDeals (SectorKeyCID " + *info->sector_key_cid +
                       "): the update's pieces are not in chain state; import it from the sealer's database");

    DMC_TRY_ASSIGN(chain::TipSet activation, node.chain_get_tipset_by_height(info->activation, head.key));
    DMC_TRY_ASSIGN(auto precommit, node.state_sector_precommit_info(options.miner, number, activation.key));
    if (!precommit)
        return skipped("no precommit in the state at Activation " + std::to_string(info->activation) +
                       " (a node pruned below that height, or a sector committed without a precommit): the ticket "
                       "cannot be read from the chain");
    if (precommit->sealed_cid != info->sealed_cid)
        return skipped("the precommit's SealedCID " + precommit->sealed_cid + " differs from the sector's " +
                           info->sealed_cid,
                       true);
    DMC_TRY_ASSIGN(Bytes32 ticket, node.seal_randomness(options.miner, precommit->seal_rand_epoch, activation.key));

    std::vector<uint64_t> deal_ids = precommit->deal_ids;
    if (deal_ids.empty() && info->deal_ids) deal_ids = *info->deal_ids;
    DMC_TRY_ASSIGN(auto pieces, deal_pieces(node, deal_ids, activation.key));
    // UnsealedCid is unset for a CC sector; nodes before it existed leave it
    // out, and then the deals alone give CommD.
    std::string comm_d;
    if (precommit->unsealed_cid) {
        comm_d = *precommit->unsealed_cid;
    } else {
        auto from_deals = listed_comm_d(**proof, pieces);
        if (!from_deals) return skipped("deal pieces: " + from_deals.error().message);
        comm_d = *from_deals;
    }
    auto record_pieces_result = record_pieces(**proof, pieces, comm_d);
    if (!record_pieces_result) {
        if (pieces.empty())
            return skipped("UnsealedCid " + comm_d +
                           " holds data but the chain lists no market deals (DDO pieces are not in chain state)");
        return skipped("deal pieces: " + record_pieces_result.error().message);
    }

    core::SectorRecord record;
    record.key = {options.miner.id, number};
    record.proof_id = info->seal_proof;
    record.ticket = ticket;
    record.ticket_epoch = precommit->seal_rand_epoch;
    record.comm_d = comm_d;
    record.comm_r = info->sealed_cid;
    record.pieces = std::move(*record_pieces_result);
    record.store = options.store;
    return ChainSector{std::move(record), "", false};
}

} // namespace

Result<ImportBatch> import_from_chain(const chain::FullNodeClient &node, const ChainImportOptions &options)
{
    DMC_TRY_ASSIGN(chain::TipSet head, node.chain_head());
    ImportBatch batch;
    for (uint64_t number : options.sectors) {
        DMC_TRY_ASSIGN(ChainSector sector, chain_sector(node, options, number, head));
        if (sector.record)
            batch.records.push_back(std::move(*sector.record));
        else
            (sector.refused ? batch.refused : batch.incomplete).push_back({{options.miner.id, number}, sector.reason});
    }
    return batch;
}

} // namespace dmc::service::importers
