// SPDX-License-Identifier: Apache-2.0
#include "service/importers/sector_pieces.hpp"

#include <algorithm>

#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/comm_d.hpp"
#include "damocles/sdk/piece.hpp"

namespace dmc::service::importers {

namespace {

struct PlacedPiece {
    const SourcePiece *piece;
    uint64_t offset;
};

// Places `listed` one after the other, each at the next multiple of its own
// size (the alignment rule), after checking its CID and size.
Result<std::vector<PlacedPiece>> place(const SealProof &proof, std::span<const SourcePiece> listed)
{
    std::vector<PlacedPiece> placed;
    uint64_t end = 0;
    for (size_t index = 0; index < listed.size(); ++index) {
        const SourcePiece &piece = listed[index];
        const std::string where = "piece " + std::to_string(index) + " (" + piece.cid + ")";
        if (auto comm = cid_to_commitment(piece.cid, CommitmentKind::unsealed); !comm)
            return comm.error().context(where);
        if (!is_power_of_two(piece.padded_size) || piece.padded_size < 128)
            return make_error(Errc::corrupt, where + ": size " + std::to_string(piece.padded_size) +
                                                 " is not a padded piece size (a power of two >= 128)");
        const uint64_t offset = (end + piece.padded_size - 1) / piece.padded_size * piece.padded_size;
        if (offset + piece.padded_size > proof.sector_size)
            return make_error(Errc::corrupt, where + ": the pieces do not fit in a " + proof.size_name + " sector");
        placed.push_back({&piece, offset});
        end = offset + piece.padded_size;
    }
    return placed;
}

core::PieceRecord to_record(const PlacedPiece &placed)
{
    core::PieceRecord record;
    record.cid = placed.piece->cid;
    record.size = placed.piece->padded_size;
    record.offset = placed.offset;
    record.deal_id = placed.piece->filler ? std::nullopt : placed.piece->deal_id;
    return record;
}

} // namespace

std::string zero_piece_cid(uint64_t padded_size)
{
    auto zero = zero_piece_commitment(padded_size);
    return zero ? commitment_to_cid(*zero, CommitmentKind::unsealed) : std::string();
}

std::string cc_comm_d(const SealProof &proof) { return zero_piece_cid(proof.sector_size); }

Result<std::string> comm_d_of_pieces(const SealProof &proof, std::span<const core::PieceRecord> pieces)
{
    std::vector<PieceInfo> infos;
    for (const auto &piece : pieces) {
        PieceInfo info;
        DMC_TRY_ASSIGN(info.comm, cid_to_commitment(piece.cid, CommitmentKind::unsealed));
        info.padded_size = piece.size;
        infos.push_back(info);
    }
    DMC_TRY_ASSIGN(Bytes32 comm_d, compute_comm_d(proof.sector_size, infos));
    return commitment_to_cid(comm_d, CommitmentKind::unsealed);
}

Result<std::string> listed_comm_d(const SealProof &proof, std::span<const SourcePiece> listed)
{
    DMC_TRY_ASSIGN(auto placed, place(proof, listed));
    std::vector<core::PieceRecord> pieces;
    for (const auto &piece : placed) pieces.push_back(to_record(piece));
    return comm_d_of_pieces(proof, pieces);
}

Result<std::vector<core::PieceRecord>> record_pieces(const SealProof &proof, std::span<const SourcePiece> listed,
                                                     std::string_view expected_comm_d)
{
    DMC_TRY_ASSIGN(auto as_listed, place(proof, listed));
    std::vector<SourcePiece> data;
    for (const auto &piece : listed)
        if (!piece.filler) data.push_back(piece);
    DMC_TRY_ASSIGN(auto by_rule, place(proof, data));

    // The data pieces where the source put them, and where the rule puts them
    // without the source's fillers: the same places mean the fillers carry no
    // information and are left for the rule to add back.
    std::vector<uint64_t> listed_data_offsets;
    for (const auto &placed : as_listed)
        if (!placed.piece->filler) listed_data_offsets.push_back(placed.offset);
    bool rule_agrees = listed_data_offsets.size() == by_rule.size();
    for (size_t index = 0; rule_agrees && index < by_rule.size(); ++index)
        rule_agrees = by_rule[index].offset == listed_data_offsets[index];

    std::vector<core::PieceRecord> out;
    for (const auto &placed : rule_agrees ? by_rule : as_listed) out.push_back(to_record(placed));

    DMC_TRY_ASSIGN(std::string comm_d, comm_d_of_pieces(proof, out));
    if (comm_d != expected_comm_d)
        return make_error(Errc::verify_failed, "the pieces (" + std::to_string(data.size()) +
                                                   " data, fillers by the alignment rule) give CommD " + comm_d +
                                                   ", the source records " + std::string(expected_comm_d));
    return out;
}

bool wants_unsealed_copy(std::span<const SourcePiece> pieces)
{
    return std::any_of(pieces.begin(), pieces.end(), [](const SourcePiece &piece) { return piece.keep_unsealed; });
}

} // namespace dmc::service::importers
