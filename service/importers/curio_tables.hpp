// SPDX-License-Identifier: Apache-2.0
//
// The rows of curio's PostgreSQL database the curio importer reads
// (docs/architecture.md §14.1), as curio's harmonydb migrations define them:
//   sectors_meta         (sp_id, sector_num) reg_seal_proof, ticket_epoch,
//                        ticket_value BYTEA, orig_/cur_ sealed/unsealed CIDs
//                        (TEXT), has_sector_key (later migrations; older
//                        databases: orig_sealed_cid <> cur_sealed_cid, curio's
//                        own seed for that column)
//   sectors_meta_pieces  (sp_id, sector_num, piece_num) piece_cid, piece_size
//                        (padded), f05_deal_id, ddo_pam JSONB
//   sector_location      miner_id, sector_num, sector_filetype (bitmask:
//                        2 sealed, 8 update), storage_id, is_primary
// Read-only: one connection, three SELECTs, nothing written.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "damocles/sdk/result.hpp"

namespace dmc::service::importers {

struct CurioSectorMeta {
    uint64_t sp_id = 0;
    uint64_t sector_num = 0;
    int64_t reg_seal_proof = 0;
    int64_t ticket_epoch = 0;
    std::vector<uint8_t> ticket_value;
    std::string orig_sealed_cid, orig_unsealed_cid; // the sealing (the sector key once snapped)
    std::string cur_sealed_cid, cur_unsealed_cid;   // the SnapDeals update, else the same
    bool has_sector_key = false;                    // snapped
};

struct CurioPieceRow {
    uint64_t sp_id = 0;
    uint64_t sector_num = 0;
    uint64_t piece_num = 0;
    std::string piece_cid;
    uint64_t piece_size = 0; // padded
    std::optional<int64_t> f05_deal_id;
    bool has_ddo_pam = false; // a DDO piece (activation manifest)
    bool requested_keep_data = false;
};

// sector_filetype values (curio lib/storiface FTSealed, FTUpdate).
inline constexpr uint64_t kCurioFileSealed = 2;
inline constexpr uint64_t kCurioFileUpdate = 8;

struct CurioLocationRow {
    uint64_t miner_id = 0;
    uint64_t sector_num = 0;
    uint64_t filetype = 0;
    std::string storage_id;
    bool is_primary = false;
};

struct CurioTables {
    std::vector<CurioSectorMeta> sectors; // ordered by sp_id, sector_num
    std::vector<CurioPieceRow> pieces;    // ordered by sp_id, sector_num, piece_num
    std::vector<CurioLocationRow> locations;
};

// `url`: postgres://user:password@host:port/database (libpq's syntax). Only
// sp_id = `miner` when given. Errors name the database (without its
// password) and what is missing (not a curio database, unreachable).
Result<CurioTables> read_curio_tables(const std::string &url, const std::optional<uint64_t> &miner);

} // namespace dmc::service::importers
