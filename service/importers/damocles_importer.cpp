// SPDX-License-Identifier: Apache-2.0
#include "service/importers/damocles_importer.hpp"

#include <nlohmann/json.hpp>

#include "damocles/sdk/proof.hpp"
#include "service/chain/json_view.hpp"
#include "service/chain/rpc_envelope.hpp"
#include "service/importers/sector_pieces.hpp"

namespace dmc::service::importers {

using chain::JsonView;
using nlohmann::json;

namespace {

// One SectorState object, or an array of them, or one object per line.
Result<std::vector<json>> parse_states(std::string_view text)
{
    if (chain::json_nesting_exceeds(text, chain::kDefaultMaxJsonDepth))
        return make_error(Errc::invalid_argument, "nested deeper than " + std::to_string(chain::kDefaultMaxJsonDepth) +
                                                      " levels: not a damocles export");
    json whole = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (!whole.is_discarded()) {
        if (whole.is_array()) return std::vector<json>(whole.begin(), whole.end());
        return std::vector<json>{std::move(whole)};
    }
    std::vector<json> states;
    size_t line_start = 0, line_number = 0;
    while (line_start < text.size()) {
        size_t line_end = text.find('\n', line_start);
        if (line_end == std::string_view::npos) line_end = text.size();
        const std::string_view line = text.substr(line_start, line_end - line_start);
        ++line_number;
        line_start = line_end + 1;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        json state = json::parse(line.begin(), line.end(), nullptr, false);
        if (state.is_discarded())
            return make_error(Errc::invalid_argument, "line " + std::to_string(line_number) +
                                                          " is not JSON (want the output of damocles' `util sealer "
                                                          "sectors state export-json`, one object per line)");
        states.push_back(std::move(state));
    }
    if (states.empty()) return make_error(Errc::invalid_argument, "no sector state in the file");
    return states;
}

// Pieces (SectorPieceV2) or, when empty, the legacy Deals.
Result<std::vector<SourcePiece>> state_pieces(const JsonView &state)
{
    std::vector<SourcePiece> out;
    DMC_TRY_ASSIGN(auto pieces, state.optional_field("Pieces"));
    if (pieces) {
        DMC_TRY_ASSIGN(auto elements, pieces->elements(true));
        for (const auto &element : elements) {
            SourcePiece piece;
            DMC_TRY_ASSIGN(JsonView info, element.field("Piece"));
            DMC_TRY_ASSIGN(JsonView size, info.field("Size"));
            DMC_TRY_ASSIGN(piece.padded_size, size.as_uint64());
            DMC_TRY_ASSIGN(JsonView cid, info.field("PieceCID"));
            DMC_TRY_ASSIGN(piece.cid, cid.as_cid());
            DMC_TRY_ASSIGN(auto deal, element.optional_field("DealInfo"));
            uint64_t deal_id = 0, allocation_id = 0;
            bool builtin_market = false;
            if (deal) {
                for (auto [name, target] : {std::pair{"DealID", &deal_id}, std::pair{"AllocationID", &allocation_id}}) {
                    DMC_TRY_ASSIGN(auto member, deal->optional_field(name));
                    if (member) {
                        DMC_TRY_ASSIGN(*target, member->as_uint64());
                    }
                }
                DMC_TRY_ASSIGN(auto market, deal->optional_field("IsBuiltinMarket"));
                if (market) {
                    DMC_TRY_ASSIGN(builtin_market, market->as_bool());
                }
            }
            // damocles SectorPieceV2.HasDealInfo: a deal id or an allocation.
            piece.filler = !deal || (deal_id == 0 && allocation_id == 0);
            if (!piece.filler && builtin_market && deal_id != 0) piece.deal_id = deal_id;
            out.push_back(std::move(piece));
        }
    }
    if (!out.empty()) return out;
    DMC_TRY_ASSIGN(auto deals, state.optional_field("Deals"));
    if (!deals) return out;
    DMC_TRY_ASSIGN(auto elements, deals->elements(true));
    for (const auto &element : elements) {
        SourcePiece piece;
        DMC_TRY_ASSIGN(JsonView id, element.field("ID"));
        DMC_TRY_ASSIGN(uint64_t deal_id, id.as_uint64());
        DMC_TRY_ASSIGN(JsonView info, element.field("Piece"));
        DMC_TRY_ASSIGN(JsonView size, info.field("Size"));
        DMC_TRY_ASSIGN(piece.padded_size, size.as_uint64());
        DMC_TRY_ASSIGN(JsonView cid, info.field("Cid"));
        DMC_TRY_ASSIGN(piece.cid, cid.as_cid());
        piece.filler = deal_id == 0;
        if (deal_id != 0) piece.deal_id = deal_id;
        out.push_back(std::move(piece));
    }
    return out;
}

// {"Ticket": base64, "Epoch": n}; nullopt when absent or empty.
Result<std::optional<std::pair<Bytes32, int64_t>>> read_ticket(const std::optional<JsonView> &ticket)
{
    if (!ticket) return std::optional<std::pair<Bytes32, int64_t>>{};
    DMC_TRY_ASSIGN(JsonView value, ticket->field("Ticket"));
    DMC_TRY_ASSIGN(auto bytes, value.as_base64_bytes());
    if (bytes.empty()) return std::optional<std::pair<Bytes32, int64_t>>{};
    if (bytes.size() != 32) return value.error(std::to_string(bytes.size()) + " bytes, want 32");
    DMC_TRY_ASSIGN(JsonView epoch_field, ticket->field("Epoch"));
    DMC_TRY_ASSIGN(int64_t epoch, epoch_field.as_int64());
    Bytes32 ticket_bytes;
    std::copy(bytes.begin(), bytes.end(), ticket_bytes.begin());
    return std::optional<std::pair<Bytes32, int64_t>>{std::pair{ticket_bytes, epoch}};
}

// A nullable CID member; nullopt when absent or null.
Result<std::optional<std::string>> optional_cid(const JsonView &object, std::string_view name)
{
    DMC_TRY_ASSIGN(auto member, object.optional_field(name));
    if (!member) return std::optional<std::string>{};
    DMC_TRY_ASSIGN(std::string cid, member->as_cid());
    return std::optional<std::string>{cid};
}

struct StateOutcome {
    std::optional<core::SectorRecord> record;
    std::string incomplete_reason;
};

StateOutcome incomplete(std::string reason) { return {std::nullopt, std::move(reason)}; }

// The snap part of an upgraded state: the update's CIDs and new pieces.
Result<StateOutcome> upgraded_record(core::SectorRecord record, const SealProof &proof, const JsonView &state,
                                     const std::vector<SourcePiece> &new_pieces)
{
    DMC_TRY_ASSIGN(auto public_info, state.optional_field("UpgradePublic"));
    DMC_TRY_ASSIGN(auto upgraded_info, state.optional_field("UpgradedInfo"));
    if (!public_info || !upgraded_info)
        return incomplete("upgraded, but UpgradePublic or UpgradedInfo is empty (unavailable upgrade public info)");
    DMC_TRY_ASSIGN(auto sector_key, optional_cid(*public_info, "SealedCID"));
    DMC_TRY_ASSIGN(auto comm_r_new, optional_cid(*upgraded_info, "SealedCID"));
    DMC_TRY_ASSIGN(auto comm_d_new, optional_cid(*upgraded_info, "UnsealedCID"));
    if (!comm_r_new || !comm_d_new) return incomplete("upgraded, but UpgradedInfo has no SealedCID/UnsealedCID");
    if (record.comm_r.empty() && sector_key) record.comm_r = *sector_key;
    if (record.comm_d.empty()) record.comm_d = cc_comm_d(proof);
    if (sector_key && *sector_key != record.comm_r)
        return incomplete("Pre.CommR " + record.comm_r + " differs from UpgradePublic.SealedCID " + *sector_key);
    if (record.comm_r.empty()) return incomplete("upgraded, but neither Pre.CommR nor UpgradePublic.SealedCID is set");
    if (record.comm_d != cc_comm_d(proof))
        return incomplete("upgraded, but the original CommD " + record.comm_d +
                          " is not a committed-capacity sector's");
    auto pieces = record_pieces(proof, new_pieces, *comm_d_new);
    if (!pieces) return incomplete("new pieces: " + pieces.error().message);
    core::SnapRecord snap;
    snap.proof = update_proof_name(proof);
    snap.comm_d_new = *comm_d_new;
    snap.comm_r_new = *comm_r_new;
    snap.pieces = std::move(*pieces);
    record.upgraded = true;
    record.snap = std::move(snap);
    return StateOutcome{std::move(record), ""};
}

Result<StateOutcome> state_outcome(const JsonView &state, const DamoclesImportOptions &options,
                                   core::SectorRecord record)
{
    DMC_TRY_ASSIGN(JsonView type, state.field("SectorType"));
    DMC_TRY_ASSIGN(record.proof_id, type.as_seal_proof());
    DMC_TRY_ASSIGN(const SealProof *proof, find_seal_proof(record.proof_id));
    record.store = options.store;
    DMC_TRY_ASSIGN(auto removed, state.optional_field("Removed"));
    bool is_removed = false;
    if (removed) {
        DMC_TRY_ASSIGN(is_removed, removed->as_bool());
    }
    if (is_removed) return incomplete("removed in damocles (terminated)");

    DMC_TRY_ASSIGN(auto pre, state.optional_field("Pre"));
    DMC_TRY_ASSIGN(auto ticket_field, state.optional_field("Ticket"));
    DMC_TRY_ASSIGN(auto ticket, read_ticket(ticket_field));
    if (!ticket && pre) {
        DMC_TRY_ASSIGN(auto pre_ticket_field, pre->optional_field("Ticket"));
        DMC_TRY_ASSIGN(ticket, read_ticket(pre_ticket_field));
    }
    if (pre) {
        DMC_TRY_ASSIGN(auto comm_d, optional_cid(*pre, "CommD"));
        DMC_TRY_ASSIGN(auto comm_r, optional_cid(*pre, "CommR"));
        record.comm_d = comm_d.value_or("");
        record.comm_r = comm_r.value_or("");
    }
    if (!ticket) return incomplete("no ticket (Ticket and Pre.Ticket are empty)");
    record.ticket = ticket->first;
    record.ticket_epoch = ticket->second;

    DMC_TRY_ASSIGN(auto pieces, state_pieces(state));
    DMC_TRY_ASSIGN(auto upgraded, state.optional_field("Upgraded"));
    bool is_upgraded = false;
    if (upgraded) {
        DMC_TRY_ASSIGN(is_upgraded, upgraded->as_bool());
    }
    if (is_upgraded) return upgraded_record(std::move(record), *proof, state, pieces);
    if (record.comm_d.empty() || record.comm_r.empty())
        return incomplete("no Pre.CommD/Pre.CommR (never precommitted)");
    auto record_pieces_result = record_pieces(*proof, pieces, record.comm_d);
    if (!record_pieces_result) return incomplete(record_pieces_result.error().message);
    record.pieces = std::move(*record_pieces_result);
    return StateOutcome{std::move(record), ""};
}

} // namespace

Result<ImportBatch> import_from_damocles_export(std::string_view text, const DamoclesImportOptions &options)
{
    DMC_TRY_ASSIGN(std::vector<json> states, parse_states(text));
    ImportBatch batch;
    for (size_t index = 0; index < states.size(); ++index) {
        const JsonView state(states[index], "state " + std::to_string(index + 1));
        core::SectorRecord record;
        auto key = [&]() -> Status {
            DMC_TRY_ASSIGN(JsonView id, state.field("ID"));
            DMC_TRY_ASSIGN(JsonView miner, id.field("Miner"));
            DMC_TRY_ASSIGN(record.key.miner, miner.as_uint64());
            DMC_TRY_ASSIGN(JsonView number, id.field("Number"));
            DMC_TRY_ASSIGN(record.key.number, number.as_uint64());
            return {};
        }();
        if (!key) return make_error(Errc::invalid_argument, key.error().message + " (not a damocles SectorState)");
        const core::SectorKey sector_key = record.key;
        auto outcome = state_outcome(state, options, std::move(record));
        if (!outcome) return make_error(Errc::invalid_argument, outcome.error().message);
        if (outcome->record) {
            if (auto cids = check_record_cids(*outcome->record); !cids)
                batch.incomplete.push_back({sector_key, cids.error().message});
            else
                batch.records.push_back(std::move(*outcome->record));
        } else {
            batch.incomplete.push_back({sector_key, outcome->incomplete_reason});
        }
    }
    return batch;
}

} // namespace dmc::service::importers
