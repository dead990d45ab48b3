// SPDX-License-Identifier: Apache-2.0
//
// `sectors import --from-curio postgres://…` (docs/architecture.md §14.1):
// records from curio's sectors_meta and sectors_meta_pieces (read by
// curio_tables.hpp), and where each sector lived from sector_location.
//
// Curio keeps only the data pieces of the sectors it sealed (none for CC,
// no fillers); sectors migrated from lotus-miner keep lotus' fillers too.
// Either way the record holds the data pieces with the fillers the alignment
// rule gives back, checked against orig_unsealed_cid (cur_unsealed_cid for a
// SnapDeals update). has_sector_key marks a snapped sector: orig_* are its
// sector key (the CC sealing), cur_* and the piece rows its update.
//
// The record's store is the storage id of the sector's primary sealed (or,
// for a snapped sector, update) location: attach the store under that name
// (`util storage attach --name <storage id>`), or give --store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "service/importers/curio_tables.hpp"
#include "service/importers/import_batch.hpp"

namespace dmc::service::importers {

struct CurioImportOptions {
    std::optional<uint64_t> miner;                // sp_id; none: every miner in the database
    std::optional<std::vector<uint64_t>> sectors; // none: every sector
    std::string store;                            // overrides sector_location when set
};

// The records of `tables` (pure: tests build the tables by hand too).
ImportBatch records_from_curio(const CurioTables &tables, const CurioImportOptions &options);

// read_curio_tables, then records_from_curio.
Result<ImportBatch> import_from_curio(const std::string &url, const CurioImportOptions &options);

} // namespace dmc::service::importers
