// SPDX-License-Identifier: Apache-2.0
//
// `sectors import --from-lotus-miner` (docs/architecture.md §14.1): the
// records lotus-miner keeps, read over its API (Filecoin.SectorsList, then
// Filecoin.SectorsStatus(n, true) per sector): Ticket{Value,Epoch}, CommD,
// CommR, SealProof and the pieces in order (DealInfo null = a filler).
//
// A SnapDeals sector is the exception: lotus-miner reports its *original*
// CommD/CommR with the *new* pieces and never the update's CommR, which
// only the chain has (SealedCID, with the original as SectorKeyCID). With a
// full node it is completed from there; without one it is listed as
// incomplete.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "service/chain/full_node_client.hpp"
#include "service/chain/miner_client.hpp"
#include "service/importers/import_batch.hpp"

namespace dmc::service::importers {

struct LotusMinerImportOptions {
    std::optional<std::vector<uint64_t>> sectors; // none: every sector lotus-miner lists
    std::string store;                            // persist store holding the files ("" = unknown)
    char network = chain::kMainnetPrefix;         // of the addresses sent to the full node
};

// A node error (unreachable, token refused, malformed answer) fails the
// whole import: nothing is imported from a half-read source.
Result<ImportBatch> import_from_lotus_miner(const chain::MinerClient &miner, const chain::FullNodeClient *node,
                                            const LotusMinerImportOptions &options);

// How far a lotus-miner sector state (lotus storage/pipeline) is from a
// record: sealed and on chain; upgraded (the SnapDeals update landed);
// an upgrade in progress (the chain may not hold it yet); anything else
// (still sealing, failed, removed).
enum class LotusStateKind { sealed, upgraded, snap_in_progress, other };
LotusStateKind classify_lotus_state(std::string_view state);

} // namespace dmc::service::importers
