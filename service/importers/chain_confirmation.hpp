// SPDX-License-Identifier: Apache-2.0
//
// `--lotus` on an import or a store check (docs/architecture.md §14.3):
// every record is compared with what the chain says about its sector
// (Filecoin.StateSectorGetInfo at the head): the seal proof, the CommR (for a
// SnapDeals sector the CommR of its sector key, SectorKeyCID) and, for a
// SnapDeals sector, the new CommR (SealedCID). A record the chain contradicts,
// or a sector the chain does not hold, is refused with both values named.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "damocles/core/internal/sector_record.hpp"
#include "service/chain/chain_types.hpp"
#include "service/chain/full_node_client.hpp"
#include "service/importers/import_batch.hpp"

namespace dmc::service::importers {

struct ChainConfirmation {
    int64_t height = 0; // the head the records were compared at
    std::vector<core::SectorKey> confirmed;
    std::vector<SkippedSector> refused;
};

// Why the chain contradicts `record` (both values named), or nullopt when it
// agrees. `info` is StateSectorGetInfo's answer at `height` (nullopt: no
// such sector).
std::optional<std::string> chain_disagreement(const core::SectorRecord &record,
                                              const std::optional<chain::SectorOnChainInfo> &info, int64_t height);

// Asks the node about every record at its head. A node error (unreachable,
// token refused, malformed answer) fails the whole comparison.
Result<ChainConfirmation> confirm_on_chain(const chain::FullNodeClient &node,
                                           std::span<const core::SectorRecord> records, char network);

// Moves the records the chain refused from batch.records to batch.refused.
void drop_refused(ImportBatch &batch, const ChainConfirmation &confirmation);

} // namespace dmc::service::importers
