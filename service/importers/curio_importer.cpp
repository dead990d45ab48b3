// SPDX-License-Identifier: Apache-2.0
#include "service/importers/curio_importer.hpp"

#include <algorithm>
#include <map>

#include "damocles/sdk/proof.hpp"
#include "service/importers/sector_pieces.hpp"

namespace dmc::service::importers {

namespace {

using SectorPieces = std::map<core::SectorKey, std::vector<SourcePiece>>;

SectorPieces group_pieces(const std::vector<CurioPieceRow> &rows)
{
    SectorPieces grouped;
    for (const auto &row : rows) {
        SourcePiece piece;
        piece.cid = row.piece_cid;
        piece.padded_size = row.piece_size;
        const bool market_deal = row.f05_deal_id && *row.f05_deal_id > 0;
        if (market_deal) piece.deal_id = static_cast<uint64_t>(*row.f05_deal_id);
        piece.keep_unsealed = row.requested_keep_data;
        // Sectors migrated from lotus-miner keep lotus' fillers: no deal, no
        // DDO manifest, the CID of zeros.
        piece.filler = !market_deal && !row.has_ddo_pam && row.piece_cid == zero_piece_cid(row.piece_size);
        grouped[{row.sp_id, row.sector_num}].push_back(std::move(piece));
    }
    return grouped;
}

// The storage id of the sector's primary location of `filetype` (else any).
std::string storage_of(const std::vector<CurioLocationRow> &locations, const core::SectorKey &key, uint64_t filetype)
{
    std::string any;
    for (const auto &location : locations) {
        if (location.miner_id != key.miner || location.sector_num != key.number || location.filetype != filetype)
            continue;
        if (location.is_primary) return location.storage_id;
        if (any.empty()) any = location.storage_id;
    }
    return any;
}

struct CurioOutcome {
    std::optional<core::SectorRecord> record;
    std::string reason;
};

CurioOutcome curio_record(const CurioSectorMeta &meta, const std::vector<SourcePiece> &pieces,
                          const CurioTables &tables, const CurioImportOptions &options)
{
    core::SectorRecord record;
    record.key = {meta.sp_id, meta.sector_num};
    auto proof = find_seal_proof(static_cast<uint64_t>(std::max<int64_t>(meta.reg_seal_proof, 0)));
    if (meta.reg_seal_proof < 0 || !proof)
        return {std::nullopt,
                "reg_seal_proof " + std::to_string(meta.reg_seal_proof) + " is not a registered seal proof"};
    if (meta.ticket_value.size() != 32)
        return {std::nullopt, "ticket_value has " + std::to_string(meta.ticket_value.size()) + " bytes, want 32"};
    record.proof_id = (*proof)->id;
    Bytes32 ticket;
    std::copy(meta.ticket_value.begin(), meta.ticket_value.end(), ticket.begin());
    record.ticket = ticket;
    record.ticket_epoch = meta.ticket_epoch;
    record.keep_unsealed = wants_unsealed_copy(pieces);
    record.comm_d = meta.orig_unsealed_cid;
    record.comm_r = meta.orig_sealed_cid;
    record.store = !options.store.empty() ? options.store
                                          : storage_of(tables.locations, record.key,
                                                       meta.has_sector_key ? kCurioFileUpdate : kCurioFileSealed);

    if (!meta.has_sector_key) {
        if (meta.cur_sealed_cid != meta.orig_sealed_cid || meta.cur_unsealed_cid != meta.orig_unsealed_cid)
            return {std::nullopt, "has_sector_key is false but cur_sealed_cid " + meta.cur_sealed_cid +
                                      " differs from orig_sealed_cid " + meta.orig_sealed_cid};
        auto sector_pieces = record_pieces(**proof, pieces, meta.orig_unsealed_cid);
        if (!sector_pieces) return {std::nullopt, sector_pieces.error().message};
        record.pieces = std::move(*sector_pieces);
        return {std::move(record), ""};
    }
    if (meta.orig_unsealed_cid != cc_comm_d(**proof))
        return {std::nullopt,
                "snapped, but orig_unsealed_cid " + meta.orig_unsealed_cid + " is not a committed-capacity sector's"};
    auto new_pieces = record_pieces(**proof, pieces, meta.cur_unsealed_cid);
    if (!new_pieces) return {std::nullopt, "update pieces: " + new_pieces.error().message};
    core::SnapRecord snap;
    snap.proof = update_proof_name(**proof);
    snap.comm_d_new = meta.cur_unsealed_cid;
    snap.comm_r_new = meta.cur_sealed_cid;
    snap.pieces = std::move(*new_pieces);
    record.upgraded = true;
    record.snap = std::move(snap);
    return {std::move(record), ""};
}

} // namespace

ImportBatch records_from_curio(const CurioTables &tables, const CurioImportOptions &options)
{
    const SectorPieces pieces = group_pieces(tables.pieces);
    ImportBatch batch;
    std::vector<core::SectorKey> found;
    for (const auto &meta : tables.sectors) {
        const core::SectorKey key{meta.sp_id, meta.sector_num};
        if (options.miner && key.miner != *options.miner) continue;
        if (options.sectors && !std::binary_search(options.sectors->begin(), options.sectors->end(), key.number))
            continue;
        found.push_back(key);
        static const std::vector<SourcePiece> kNone;
        auto listed = pieces.find(key);
        CurioOutcome outcome = curio_record(meta, listed == pieces.end() ? kNone : listed->second, tables, options);
        if (outcome.record)
            if (auto cids = check_record_cids(*outcome.record); !cids) outcome = {std::nullopt, cids.error().message};
        if (outcome.record)
            batch.records.push_back(std::move(*outcome.record));
        else
            batch.incomplete.push_back({key, outcome.reason});
    }
    // Numbers asked for that curio does not hold (one miner only: a range
    // names sectors of one miner).
    if (options.sectors && options.miner)
        for (uint64_t number : *options.sectors)
            if (std::find(found.begin(), found.end(), core::SectorKey{*options.miner, number}) == found.end())
                batch.incomplete.push_back({{*options.miner, number}, "curio's sectors_meta has no such sector"});
    return batch;
}

Result<ImportBatch> import_from_curio(const std::string &url, const CurioImportOptions &options)
{
    DMC_TRY_ASSIGN(CurioTables tables, read_curio_tables(url, options.miner));
    return records_from_curio(tables, options);
}

} // namespace dmc::service::importers
