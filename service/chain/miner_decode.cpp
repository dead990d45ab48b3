// SPDX-License-Identifier: Apache-2.0
#include "service/chain/miner_decode.hpp"

#include "service/chain/full_node_decode.hpp"
#include "service/chain/json_view.hpp"

namespace dmc::service::chain {

using nlohmann::json;

namespace {

Result<std::vector<uint64_t>> read_numbers(const JsonView &value)
{
    DMC_TRY_ASSIGN(auto elements, value.elements(/*null_is_empty=*/true));
    std::vector<uint64_t> out;
    out.reserve(elements.size());
    for (const auto &element : elements) {
        DMC_TRY_ASSIGN(uint64_t number, element.as_uint64());
        out.push_back(number);
    }
    return out;
}

// A nullable *cid.Cid holding a commitment of `kind`.
Status read_optional_commitment(const JsonView &object, std::string_view name, CommitmentKind kind,
                                std::optional<std::string> &cid, std::optional<Bytes32> &comm)
{
    DMC_TRY_ASSIGN(auto member, object.optional_field(name));
    if (!member) return {};
    DMC_TRY_ASSIGN(cid, member->as_cid());
    DMC_TRY_ASSIGN(comm, member->as_commitment(kind));
    return {};
}

// SealTicket / SealSeed: {"Value": base64 or null, "Epoch": n}.
Result<SealRandomnessValue> read_seal_randomness(const JsonView &value)
{
    SealRandomnessValue out;
    DMC_TRY_ASSIGN(auto bytes_field, value.field("Value"));
    DMC_TRY_ASSIGN(auto bytes, bytes_field.as_base64_bytes());
    if (!bytes.empty()) {
        if (bytes.size() != 32) return bytes_field.error(std::to_string(bytes.size()) + " bytes, want 32");
        Bytes32 copy;
        std::copy(bytes.begin(), bytes.end(), copy.begin());
        out.value = copy;
    }
    DMC_TRY_ASSIGN(auto epoch, value.field("Epoch"));
    DMC_TRY_ASSIGN(out.epoch, epoch.as_int64());
    return out;
}

Result<PieceDealRef> read_deal_info(const JsonView &value)
{
    if (!value.json().is_object())
        return value.error("expected an object or null, got " + json_type_name(value.json()));
    PieceDealRef deal;
    DMC_TRY_ASSIGN(auto deal_id, value.optional_field("DealID"));
    if (deal_id) {
        DMC_TRY_ASSIGN(deal.deal_id, deal_id->as_uint64());
    }
    DMC_TRY_ASSIGN(auto publish_cid, value.optional_field("PublishCid"));
    if (publish_cid) {
        DMC_TRY_ASSIGN(deal.publish_cid, publish_cid->as_cid());
    }
    DMC_TRY_ASSIGN(auto manifest, value.optional_field("PieceActivationManifest"));
    deal.has_activation_manifest = manifest.has_value();
    DMC_TRY_ASSIGN(auto keep_unsealed, value.optional_field("KeepUnsealed"));
    if (keep_unsealed) {
        DMC_TRY_ASSIGN(deal.keep_unsealed, keep_unsealed->as_bool());
    }
    return deal;
}

Result<MinerSectorPiece> read_piece(const JsonView &value)
{
    MinerSectorPiece piece;
    DMC_TRY_ASSIGN(auto body, value.field("Piece"));
    DMC_TRY_ASSIGN(auto size, body.field("Size"));
    DMC_TRY_ASSIGN(piece.padded_size, size.as_uint64());
    if (!is_padded_piece_size(piece.padded_size))
        return size.error(std::to_string(piece.padded_size) + " is not a padded piece size (a power of two >= 128)");
    DMC_TRY_ASSIGN(auto cid, body.field("PieceCID"));
    DMC_TRY_ASSIGN(piece.piece_cid, cid.as_cid());
    DMC_TRY_ASSIGN(piece.comm_p, cid.as_commitment(CommitmentKind::unsealed));
    // DealInfo must be there: null is how lotus-miner marks a filler, so a
    // missing member would turn a deal piece into a filler silently.
    DMC_TRY_ASSIGN(auto deal_info, value.field("DealInfo"));
    if (!deal_info.is_null()) {
        DMC_TRY_ASSIGN(piece.deal, read_deal_info(deal_info));
    }
    return piece;
}

} // namespace

Result<std::vector<uint64_t>> decode_sector_numbers(const json &result) { return read_numbers(JsonView(result, "")); }

Result<MinerSectorInfo> decode_miner_sector_info(const json &result)
{
    const JsonView root(result, "");
    if (!result.is_object()) return root.error("expected a SectorInfo object, got " + json_type_name(result));
    MinerSectorInfo info;
    DMC_TRY_ASSIGN(auto sector_id, root.field("SectorID"));
    DMC_TRY_ASSIGN(info.sector_id, sector_id.as_uint64());
    DMC_TRY_ASSIGN(auto state, root.field("State"));
    DMC_TRY_ASSIGN(info.state, state.as_string());
    DMC_TRY_VOID(read_optional_commitment(root, "CommD", CommitmentKind::unsealed, info.comm_d_cid, info.comm_d));
    DMC_TRY_VOID(read_optional_commitment(root, "CommR", CommitmentKind::sealed, info.comm_r_cid, info.comm_r));
    DMC_TRY_ASSIGN(auto deals, root.optional_field("Deals"));
    if (deals) {
        DMC_TRY_ASSIGN(info.deals, read_numbers(*deals));
    }
    DMC_TRY_ASSIGN(auto pieces, root.optional_field("Pieces"));
    if (pieces) {
        DMC_TRY_ASSIGN(auto elements, pieces->elements(/*null_is_empty=*/true));
        for (const auto &element : elements) {
            DMC_TRY_ASSIGN(auto piece, read_piece(element));
            info.pieces.push_back(std::move(piece));
        }
    }
    DMC_TRY_ASSIGN(auto ticket, root.field("Ticket"));
    DMC_TRY_ASSIGN(info.ticket, read_seal_randomness(ticket));
    DMC_TRY_ASSIGN(auto seed, root.optional_field("Seed"));
    if (seed) {
        DMC_TRY_ASSIGN(info.seed, read_seal_randomness(*seed));
    }
    DMC_TRY_ASSIGN(auto to_upgrade, root.optional_field("ToUpgrade"));
    if (to_upgrade) {
        DMC_TRY_ASSIGN(info.to_upgrade, to_upgrade->as_bool());
    }
    DMC_TRY_ASSIGN(auto last_error, root.optional_field("LastErr"));
    if (last_error) {
        DMC_TRY_ASSIGN(info.last_error, last_error->as_string());
    }
    DMC_TRY_ASSIGN(auto seal_proof, root.field("SealProof"));
    DMC_TRY_ASSIGN(info.seal_proof, seal_proof.as_seal_proof());
    DMC_TRY_ASSIGN(auto activation, root.field("Activation"));
    DMC_TRY_ASSIGN(info.activation, activation.as_int64());
    DMC_TRY_ASSIGN(auto expiration, root.field("Expiration"));
    DMC_TRY_ASSIGN(info.expiration, expiration.as_int64());
    DMC_TRY_ASSIGN(auto on_time, root.optional_field("OnTime"));
    if (on_time) {
        DMC_TRY_ASSIGN(info.on_time, on_time->as_int64());
    }
    DMC_TRY_ASSIGN(auto early, root.optional_field("Early"));
    if (early) {
        DMC_TRY_ASSIGN(info.early, early->as_int64());
    }
    return info;
}

Result<IdAddress> decode_actor_address(const json &result) { return JsonView(result, "").as_id_address(); }

} // namespace dmc::service::chain
