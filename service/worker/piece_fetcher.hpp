// SPDX-License-Identifier: Apache-2.0
//
// The network half of a worker's piece sources (core's piece_sources.hpp
// does fillers, local directories, file:// and the CommP check): the
// manager's piece store (GET /piecestore/<cid>, with the manager's token,
// over https when the manager speaks it) and http(s) URLs recorded for a
// piece (never with a token). Every download is bounded (http_download.hpp).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "damocles/core/internal/piece_sources.hpp"
#include "service/worker/http_download.hpp"

namespace dmc::service {

// The manager whose piece store a worker asks: its address as in
// [sealer_rpc] url (host:port or an http(s) URL), token and CA file.
struct ManagerPieceStore {
    std::string address;
    std::string token;
    std::string ca_file;
};

// The manager's piece store ("" address = none).
core::PieceLocator manager_piece_store(const ManagerPieceStore &manager, std::chrono::seconds total_timeout);

// Local dirs, then the manager's piece store, then the recorded source
// (file://, http(s)://); downloads end after `total_timeout`
// ([sealing] piece_fetch_timeout).
core::PieceSources worker_piece_sources(const std::vector<std::string> &local_dirs, const ManagerPieceStore &manager,
                                        std::chrono::seconds total_timeout);

} // namespace dmc::service
