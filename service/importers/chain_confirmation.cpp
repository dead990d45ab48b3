// SPDX-License-Identifier: Apache-2.0
#include "service/importers/chain_confirmation.hpp"

#include <algorithm>

#include "damocles/sdk/proof.hpp"

namespace dmc::service::importers {

namespace {

std::string proof_label(uint64_t proof_id)
{
    auto proof = find_seal_proof(proof_id);
    return proof ? std::string(proof.value()->name) + " (" + std::to_string(proof_id) + ")" : std::to_string(proof_id);
}

} // namespace

std::optional<std::string> chain_disagreement(const core::SectorRecord &record,
                                              const std::optional<chain::SectorOnChainInfo> &info, int64_t height)
{
    const std::string at = " at height " + std::to_string(height);
    if (!info) return "not on chain" + at + " (StateSectorGetInfo returned null)";
    if (info->seal_proof != record.proof_id)
        return "seal proof " + proof_label(record.proof_id) + " differs from the chain's SealProof " +
               proof_label(info->seal_proof) + at;
    if (!record.upgraded) {
        if (info->sector_key_cid)
            return "the chain has the sector upgraded by SnapDeals (SectorKeyCID " + *info->sector_key_cid +
                   ", SealedCID " + info->sealed_cid + at + ") but the record has no SnapDeals update";
        if (record.comm_r != info->sealed_cid)
            return "comm_r " + record.comm_r + " differs from the chain's SealedCID " + info->sealed_cid + at;
        return std::nullopt;
    }
    if (!info->sector_key_cid)
        return "the record is a SnapDeals update but the chain has no SectorKeyCID" + at + " (SealedCID " +
               info->sealed_cid + ")";
    if (record.comm_r != *info->sector_key_cid)
        return "comm_r (the sector key) " + record.comm_r + " differs from the chain's SectorKeyCID " +
               *info->sector_key_cid + at;
    const std::string comm_r_new = record.snap && record.snap->comm_r_new ? *record.snap->comm_r_new : "(none)";
    if (comm_r_new != info->sealed_cid)
        return "comm_r_new " + comm_r_new + " differs from the chain's SealedCID " + info->sealed_cid + at;
    return std::nullopt;
}

Result<ChainConfirmation> confirm_on_chain(const chain::FullNodeClient &node,
                                           std::span<const core::SectorRecord> records, char network)
{
    ChainConfirmation out;
    DMC_TRY_ASSIGN(chain::TipSet head, node.chain_head());
    out.height = head.height;
    for (const auto &record : records) {
        const chain::IdAddress miner{record.key.miner, network};
        DMC_TRY_ASSIGN(auto info, node.state_sector_get_info(miner, record.key.number, head.key));
        if (auto why = chain_disagreement(record, info, head.height))
            out.refused.push_back({record.key, *why});
        else
            out.confirmed.push_back(record.key);
    }
    return out;
}

void drop_refused(ImportBatch &batch, const ChainConfirmation &confirmation)
{
    for (const auto &refused : confirmation.refused) {
        auto &records = batch.records;
        records.erase(std::remove_if(records.begin(), records.end(),
                                     [&](const core::SectorRecord &r) { return r.key == refused.key; }),
                      records.end());
        batch.refused.push_back(refused);
    }
}

} // namespace dmc::service::importers
