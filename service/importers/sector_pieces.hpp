// SPDX-License-Identifier: Apache-2.0
//
// The pieces of an imported record, whatever the source lists
// (docs/architecture.md §14.1): lotus-miner and damocles list fillers,
// curio lists only data pieces for sectors it sealed, the chain only deals.
// Every importer turns its list into the same record: the data pieces, at the
// offsets the alignment rule gives them (docs/algorithms.md §3.4), checked by
// recomputing CommD with the rule's fillers against the CommD the source
// recorded. A source whose fillers place a piece elsewhere than the rule keeps
// its fillers, with their offsets, so nothing is moved.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "damocles/core/internal/sector_record.hpp"
#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc::service::importers {

// A piece in a source's order.
struct SourcePiece {
    std::string cid;                 // piece CID (CommP)
    uint64_t padded_size = 0;        // power of two >= 128
    std::optional<uint64_t> deal_id; // builtin-market deal; none for fillers and DDO pieces
    bool filler = false;             // zeros the sealer added (lotus DealInfo null)
    bool keep_unsealed = false;      // lotus KeepUnsealed, curio requested_keep_data
};

// Whether the provider kept an unsealed copy of the sector: any of its pieces
// asked for one (docs/architecture.md §14.1). The record's keep_unsealed.
bool wants_unsealed_copy(std::span<const SourcePiece> pieces);

// The record's pieces for a sector holding `listed` in that order: empty for
// a committed-capacity sector. The error (an import reason) names the piece
// that is malformed or does not fit, or both CommD values when the pieces do
// not give `expected_comm_d` (a CID).
Result<std::vector<core::PieceRecord>> record_pieces(const SealProof &proof, std::span<const SourcePiece> listed,
                                                     std::string_view expected_comm_d);

// CommD (a CID) of a sector holding `pieces` at their offsets, fillers added
// by the alignment rule: what a source that records no CommD (a SnapDeals
// update's new data in lotus-miner) is checked against at rebuild time.
Result<std::string> comm_d_of_pieces(const SealProof &proof, std::span<const core::PieceRecord> pieces);

// CommD (a CID) of a sector holding `listed` as the source lists them: for a
// source that records no CommD of its own (the new data of a SnapDeals
// update in lotus-miner), checked only when the rebuild recomputes it.
Result<std::string> listed_comm_d(const SealProof &proof, std::span<const SourcePiece> listed);

// The CommD of a committed-capacity sector of this proof (a CID).
std::string cc_comm_d(const SealProof &proof);

// The CID of a filler piece (zeros) of `padded_size`; empty if not a legal size.
std::string zero_piece_cid(uint64_t padded_size);

} // namespace dmc::service::importers
