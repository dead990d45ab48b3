// SPDX-License-Identifier: Apache-2.0
//
// `sectors import --from-chain` (docs/architecture.md §14.1): a record from
// a Lotus full node alone, for a provider whose sealer database is gone too.
//   * StateSectorGetInfo at the head: SealProof, SealedCID (CommR),
//     SectorKeyCID (set once upgraded by SnapDeals), Activation;
//   * the ticket: the precommit was deleted at prove-commit, but the state of
//     the tipset at Activation still has it (ChainGetTipSetByHeight, then
//     StateSectorPreCommitInfo there for SealRandEpoch and UnsealedCid), and
//     the ticket is the chain's seal randomness at SealRandEpoch
//     (StateGetRandomnessFromTickets, tag 5, the miner's address as CBOR
//     bytes);
//   * deal pieces from StateMarketStorageDeal for the precommit's DealIDs,
//     checked against UnsealedCid.
// A committed-capacity sector is complete from the chain alone. Pieces the
// chain does not hold (DDO pieces without market deals, a SnapDeals update's
// new data) leave the record incomplete.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "service/chain/full_node_client.hpp"
#include "service/importers/import_batch.hpp"

namespace dmc::service::importers {

struct ChainImportOptions {
    chain::IdAddress miner;
    std::vector<uint64_t> sectors;
    std::string store; // persist store holding the files ("" = unknown)
};

// A node error fails the whole import; a sector the chain does not hold is
// refused; one it cannot complete is incomplete.
Result<ImportBatch> import_from_chain(const chain::FullNodeClient &node, const ChainImportOptions &options);

} // namespace dmc::service::importers
