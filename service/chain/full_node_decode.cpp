// SPDX-License-Identifier: Apache-2.0
//
// Field by field, the order of Lotus' structs, so a reader can hold this next
// to the api-methods documentation. Fields a rebuild does not use are read
// only where their presence tells the generation apart.
#include "service/chain/full_node_decode.hpp"

#include "service/chain/json_view.hpp"

namespace dmc::service::chain {

using nlohmann::json;

namespace {

Result<std::vector<uint64_t>> read_deal_ids(const JsonView &value)
{
    DMC_TRY_ASSIGN(auto elements, value.elements(/*null_is_empty=*/true));
    std::vector<uint64_t> out;
    out.reserve(elements.size());
    for (const auto &element : elements) {
        DMC_TRY_ASSIGN(uint64_t deal_id, element.as_uint64());
        out.push_back(deal_id);
    }
    return out;
}

// Optional big-int field: "" when missing or null.
Result<std::string> read_optional_big_int(const JsonView &object, std::string_view name)
{
    DMC_TRY_ASSIGN(auto member, object.optional_field(name));
    if (!member) return std::string();
    return member->as_big_int();
}

Result<TipSetKey> read_tipset_key(const JsonView &cids)
{
    DMC_TRY_ASSIGN(auto elements, cids.elements(/*null_is_empty=*/false));
    if (elements.empty()) return cids.error("a tipset has at least one block CID");
    TipSetKey key;
    for (const auto &element : elements) {
        DMC_TRY_ASSIGN(std::string cid, element.as_cid());
        key.cids.push_back(std::move(cid));
    }
    return key;
}

} // namespace

bool is_padded_piece_size(uint64_t size) { return size >= 128 && (size & (size - 1)) == 0; }

Result<std::optional<SectorOnChainInfo>> decode_sector_on_chain_info(const json &result)
{
    if (result.is_null()) return std::optional<SectorOnChainInfo>{};
    const JsonView root(result, "");
    if (!result.is_object())
        return root.error("expected a SectorOnChainInfo object or null, got " + json_type_name(result));
    SectorOnChainInfo info;
    DMC_TRY_ASSIGN(auto number, root.field("SectorNumber"));
    DMC_TRY_ASSIGN(info.sector_number, number.as_uint64());
    DMC_TRY_ASSIGN(auto proof, root.field("SealProof"));
    DMC_TRY_ASSIGN(info.seal_proof, proof.as_seal_proof());
    DMC_TRY_ASSIGN(auto sealed, root.field("SealedCID"));
    DMC_TRY_ASSIGN(info.sealed_cid, sealed.as_cid());
    DMC_TRY_ASSIGN(info.comm_r, sealed.as_commitment(CommitmentKind::sealed));
    DMC_TRY_ASSIGN(auto activation, root.field("Activation"));
    DMC_TRY_ASSIGN(info.activation, activation.as_int64());
    DMC_TRY_ASSIGN(auto expiration, root.field("Expiration"));
    DMC_TRY_ASSIGN(info.expiration, expiration.as_int64());
    DMC_TRY_ASSIGN(info.deal_weight, read_optional_big_int(root, "DealWeight"));
    DMC_TRY_ASSIGN(info.verified_deal_weight, read_optional_big_int(root, "VerifiedDealWeight"));
    DMC_TRY_ASSIGN(info.initial_pledge, read_optional_big_int(root, "InitialPledge"));

    DMC_TRY_ASSIGN(auto sector_key, root.optional_field("SectorKeyCID"));
    if (sector_key) {
        DMC_TRY_ASSIGN(info.sector_key_cid, sector_key->as_cid());
        DMC_TRY_ASSIGN(info.comm_r_old, sector_key->as_commitment(CommitmentKind::sealed));
    }
    // DealIDs went away with FIP-0100 (Go tags the field json:"-"); a node
    // that still sends it is older. null there is a sector without deals.
    if (root.has_field("DealIDs")) {
        DMC_TRY_ASSIGN(auto deal_ids, root.field("DealIDs"));
        DMC_TRY_ASSIGN(info.deal_ids, read_deal_ids(deal_ids));
    }
    DMC_TRY_ASSIGN(auto flags, root.optional_field("Flags"));
    if (flags) {
        DMC_TRY_ASSIGN(info.flags, flags->as_uint64());
    }
    DMC_TRY_ASSIGN(auto power_base, root.optional_field("PowerBaseEpoch"));
    if (power_base) {
        DMC_TRY_ASSIGN(info.power_base_epoch, power_base->as_int64());
    }
    DMC_TRY_ASSIGN(auto simple_qa, root.optional_field("SimpleQAPower"));
    if (simple_qa) {
        DMC_TRY_VOID(simple_qa->as_bool());
    }

    if (!info.deal_ids)
        info.shape = SectorInfoShape::current;
    else if (root.has_field("SimpleQAPower") || root.has_field("ReplacedSectorAge"))
        info.shape = SectorInfoShape::deal_ids_qa;
    else
        info.shape = SectorInfoShape::deal_ids_flags;
    return std::optional<SectorOnChainInfo>{std::move(info)};
}

Result<TipSet> decode_tipset(const json &result)
{
    const JsonView root(result, "");
    if (!result.is_object()) return root.error("expected a TipSet object, got " + json_type_name(result));
    TipSet tipset;
    DMC_TRY_ASSIGN(auto cids, root.field("Cids"));
    DMC_TRY_ASSIGN(tipset.key, read_tipset_key(cids));
    DMC_TRY_ASSIGN(auto height, root.field("Height"));
    DMC_TRY_ASSIGN(tipset.height, height.as_int64());
    if (tipset.height < 0) return height.error("a tipset height is not negative");
    return tipset;
}

Result<std::optional<SectorPreCommitInfo>> decode_precommit_info(const json &result)
{
    if (result.is_null()) return std::optional<SectorPreCommitInfo>{};
    const JsonView root(result, "");
    if (!result.is_object())
        return root.error("expected a SectorPreCommitOnChainInfo object or null, got " + json_type_name(result));
    SectorPreCommitInfo info;
    DMC_TRY_ASSIGN(auto body, root.field("Info"));
    if (!body.json().is_object()) return body.error("expected an object, got " + json_type_name(body.json()));
    DMC_TRY_ASSIGN(auto proof, body.field("SealProof"));
    DMC_TRY_ASSIGN(info.seal_proof, proof.as_seal_proof());
    DMC_TRY_ASSIGN(auto number, body.field("SectorNumber"));
    DMC_TRY_ASSIGN(info.sector_number, number.as_uint64());
    DMC_TRY_ASSIGN(auto sealed, body.field("SealedCID"));
    DMC_TRY_ASSIGN(info.sealed_cid, sealed.as_cid());
    DMC_TRY_ASSIGN(info.comm_r, sealed.as_commitment(CommitmentKind::sealed));
    DMC_TRY_ASSIGN(auto rand_epoch, body.field("SealRandEpoch"));
    DMC_TRY_ASSIGN(info.seal_rand_epoch, rand_epoch.as_int64());
    DMC_TRY_ASSIGN(auto deal_ids, body.optional_field("DealIDs"));
    if (deal_ids) {
        DMC_TRY_ASSIGN(info.deal_ids, read_deal_ids(*deal_ids));
    }
    DMC_TRY_ASSIGN(auto expiration, body.field("Expiration"));
    DMC_TRY_ASSIGN(info.expiration, expiration.as_int64());
    DMC_TRY_ASSIGN(auto unsealed, body.optional_field("UnsealedCid"));
    if (unsealed) {
        DMC_TRY_ASSIGN(info.unsealed_cid, unsealed->as_cid());
        DMC_TRY_ASSIGN(info.comm_d, unsealed->as_commitment(CommitmentKind::unsealed));
    }
    DMC_TRY_ASSIGN(info.precommit_deposit, read_optional_big_int(root, "PreCommitDeposit"));
    DMC_TRY_ASSIGN(auto precommit_epoch, root.optional_field("PreCommitEpoch"));
    if (precommit_epoch) {
        DMC_TRY_ASSIGN(info.precommit_epoch, precommit_epoch->as_int64());
    }
    return std::optional<SectorPreCommitInfo>{std::move(info)};
}

Result<Bytes32> decode_randomness(const json &result)
{
    const JsonView root(result, "");
    if (!result.is_string())
        return root.error("expected randomness as base64 (a string), got " + json_type_name(result));
    DMC_TRY_ASSIGN(auto bytes, root.as_base64_bytes());
    if (bytes.size() != 32) return root.error("randomness is " + std::to_string(bytes.size()) + " bytes, want 32");
    Bytes32 out;
    std::copy(bytes.begin(), bytes.end(), out.begin());
    return out;
}

Result<MarketDeal> decode_market_deal(const json &result)
{
    const JsonView root(result, "");
    if (!result.is_object()) return root.error("expected a MarketDeal object, got " + json_type_name(result));
    MarketDeal deal;
    DMC_TRY_ASSIGN(auto proposal, root.field("Proposal"));
    if (!proposal.json().is_object())
        return proposal.error("expected an object, got " + json_type_name(proposal.json()));
    DMC_TRY_ASSIGN(auto piece_cid, proposal.field("PieceCID"));
    DMC_TRY_ASSIGN(deal.piece_cid, piece_cid.as_cid());
    DMC_TRY_ASSIGN(deal.comm_p, piece_cid.as_commitment(CommitmentKind::unsealed));
    DMC_TRY_ASSIGN(auto piece_size, proposal.field("PieceSize"));
    DMC_TRY_ASSIGN(deal.piece_size, piece_size.as_uint64());
    if (!is_padded_piece_size(deal.piece_size))
        return piece_size.error(std::to_string(deal.piece_size) +
                                " is not a padded piece size (a power of two >= 128)");
    DMC_TRY_ASSIGN(auto verified, proposal.optional_field("VerifiedDeal"));
    if (verified) {
        DMC_TRY_ASSIGN(deal.verified_deal, verified->as_bool());
    }
    DMC_TRY_ASSIGN(auto client, proposal.field("Client"));
    DMC_TRY_ASSIGN(deal.client, client.as_string());
    DMC_TRY_ASSIGN(auto provider, proposal.field("Provider"));
    DMC_TRY_ASSIGN(deal.provider, provider.as_string());
    DMC_TRY_ASSIGN(auto start, proposal.field("StartEpoch"));
    DMC_TRY_ASSIGN(deal.start_epoch, start.as_int64());
    DMC_TRY_ASSIGN(auto end, proposal.field("EndEpoch"));
    DMC_TRY_ASSIGN(deal.end_epoch, end.as_int64());

    DMC_TRY_ASSIGN(auto state, root.field("State"));
    if (!state.json().is_object()) return state.error("expected an object, got " + json_type_name(state.json()));
    DMC_TRY_ASSIGN(auto sector_number, state.optional_field("SectorNumber"));
    if (sector_number) {
        DMC_TRY_ASSIGN(deal.sector_number, sector_number->as_uint64());
    }
    DMC_TRY_ASSIGN(auto sector_start, state.field("SectorStartEpoch"));
    DMC_TRY_ASSIGN(deal.sector_start_epoch, sector_start.as_int64());
    DMC_TRY_ASSIGN(auto last_updated, state.field("LastUpdatedEpoch"));
    DMC_TRY_ASSIGN(deal.last_updated_epoch, last_updated.as_int64());
    DMC_TRY_ASSIGN(auto slash, state.field("SlashEpoch"));
    DMC_TRY_ASSIGN(deal.slash_epoch, slash.as_int64());
    return deal;
}

Result<std::string> decode_network_name(const json &result)
{
    const JsonView root(result, "");
    DMC_TRY_ASSIGN(std::string name, root.as_string());
    if (name.empty()) return root.error("empty network name");
    return name;
}

Result<uint64_t> decode_network_version(const json &result) { return JsonView(result, "").as_uint64(); }

} // namespace dmc::service::chain
