// SPDX-License-Identifier: Apache-2.0
//
// Where a rebuild finds a deal piece, tried in order: a filler (the zero
// piece of its size needs no data), the worker's local piece directories
// (<dir>/<cid>, <dir>/<cid>.car), the manager's piece store
// (GET /piecestore/<cid>, token required), then the source recorded for the
// piece (file:// or http(s)://). Every candidate is streamed through CommP
// and used only if it equals the registered CID; the error of a piece found
// nowhere names the CID and what each source answered.
#pragma once

#include <string>
#include <vector>

#include "damocles/core/registry_types.hpp"
#include "damocles/core/sector_job.hpp"

namespace dmc::core {

struct PieceSources {
    std::vector<std::string> local_dirs;
    std::string manager_address;   // host:port, "" = no manager piece store
    std::string manager_token;
};

// Resolves one registered piece to a JobPiece whose path is a verified local
// copy ("" for a filler). Downloads go to `download_dir`.
Result<JobPiece> fetch_piece(const PieceRecord &piece, const PieceSources &sources, const std::string &download_dir);

} // namespace dmc::core
