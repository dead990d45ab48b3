// SPDX-License-Identifier: Apache-2.0
//
// `sectors import --from-damocles FILE` (docs/architecture.md §14.1): the
// output of damocles' `util sealer sectors state export-json` — Go's
// json.Marshal of a damocles SectorState, one object per line when several
// exports are appended to one file (a JSON array of them is read too).
// Fields used: ID{Miner,Number}, SectorType, Ticket{Ticket,Epoch} (or
// Pre.Ticket), Pre{CommD,CommR}, Pieces[] ({Piece{Size,PieceCID},DealInfo})
// or the legacy Deals[] ({ID,Piece{Size,Offset,Cid}}), Removed, Upgraded,
// UpgradePublic.SealedCID (the sector key) and UpgradedInfo{SealedCID,
// UnsealedCID} (the update). In an upgraded sector Pieces are the update's.
#pragma once

#include <string>
#include <string_view>

#include "service/importers/import_batch.hpp"

namespace dmc::service::importers {

struct DamoclesImportOptions {
    std::string store; // persist store holding the files ("" = unknown)
};

// Text that is not JSON, or an object that is not a SectorState (a field of
// the wrong type), is an error naming the object and the field; a state
// without what a rebuild needs is incomplete.
Result<ImportBatch> import_from_damocles_export(std::string_view text, const DamoclesImportOptions &options);

} // namespace dmc::service::importers
