// SPDX-License-Identifier: Apache-2.0
//
// What an importer hands back (docs/architecture.md §14.1): complete sector
// records, ready for the registry's import policy exactly as a file import
// (Venus.SectorsImport), and the sectors it could not complete, each with
// the reason. A record is never guessed: a missing ticket, pieces that do not
// give the recorded CommD or a SnapDeals update without its new CommR leave
// the sector out and say why.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "damocles/core/internal/sector_record.hpp"
#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc::service::importers {

// A sector left out of an import, and why.
struct SkippedSector {
    core::SectorKey key;
    std::string reason;
};

struct ImportBatch {
    std::vector<core::SectorRecord> records; // complete
    // The source cannot complete them (never guessed).
    std::vector<SkippedSector> incomplete;
    // The chain contradicts the source, or the sector is not on chain.
    std::vector<SkippedSector> refused;
};

// A record's CIDs are commitments of their kind: comm_d (and comm_d_new)
// unsealed, comm_r (and comm_r_new) sealed. A source may hold any text (a
// database column, a hand-edited export): the error names the field.
Status check_record_cids(const core::SectorRecord &record);

// The registered update proof of a SnapDeals sector sealed with `proof`
// (go-state-types RegisteredUpdateProof: "StackedDrg<size>V1").
std::string update_proof_name(const SealProof &proof);

} // namespace dmc::service::importers
