// SPDX-License-Identifier: Apache-2.0
//
// The network half of a worker's piece sources (core's piece_sources.hpp
// does fillers, local directories, file:// and the CommP check): the
// manager's piece store (GET /piecestore/<cid>, with the manager's token)
// and http(s) URLs recorded for a piece (never with a token).
#pragma once

#include <string>
#include <vector>

#include "damocles/core/internal/piece_sources.hpp"

namespace dmc::service {

// GET `url` (http:// or https://) into `dest` atomically, with an optional
// bearer token. Redirects are followed.
Status http_download(const std::string &url, const std::string &token, const std::string &dest);

// The manager's piece store at `address` (host:port or a URL).
core::PieceLocator manager_piece_store(const std::string &address, const std::string &token);

// Local dirs, then the manager's piece store ("" = none), then the recorded
// source (file://, http(s)://).
core::PieceSources worker_piece_sources(const std::vector<std::string> &local_dirs, const std::string &manager_address,
                                        const std::string &manager_token);

} // namespace dmc::service
