// SPDX-License-Identifier: Apache-2.0
//
// The sealing systems an operator who lost a disk still has, built for the
// lost-disk tests from sectors the test sealed (`damocles-run seal --json`):
// a Lotus full node + lotus-miner (the Lotus stub, in process), curio's
// database (SQL for its tables), and damocles' export-json output. Each holds
// the sectors the way that system records them: lotus-miner and damocles
// with lotus' fillers, curio with the data pieces only, the chain with deals
// and epochs, so an import from each must come to the same records.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lotus_stub.hpp"

namespace dmc::test::lost_disk {

// A sealed sector as the sources describe it.
struct SealedSector {
    uint64_t number = 0;
    nlohmann::json seal;      // the `seal --json` output (its "sector" is the import object)
    uint64_t deal_id = 0;     // the deal of its (new) data piece, 0 for CC
    bool snapped = false;     // sealed with --snap: the data is the update's
    int64_t ticket_epoch = 0; // synthetic, consistent epochs on the stub's chain
};

inline constexpr uint64_t kMiner = 1002;

// Lotus' piece list: the data piece, then the zero pieces up to the sector
// size (lotus-miner lists them, DealInfo null).
std::vector<LotusStubPiece> lotus_pieces(const SealedSector &sector);

// The stub's sector and the deal behind its piece (add both).
LotusStubSector stub_sector(const SealedSector &sector);
LotusStubDeal stub_deal(const SealedSector &sector);

// INSERTs into curio's sectors_meta, sectors_meta_pieces and sector_location
// (storage id `storage`), for tests/fixtures/curio/schema.sql.
std::string curio_rows(const std::vector<SealedSector> &sectors, const std::string &storage);

// damocles SectorState objects, one per line.
std::string damocles_export(const std::vector<SealedSector> &sectors);

} // namespace dmc::test::lost_disk
