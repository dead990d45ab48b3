// SPDX-License-Identifier: Apache-2.0
//
// Where a rebuild finds a deal piece, tried in order: a filler (the zero
// piece of its size needs no data), the local piece directories
// (<dir>/<cid>, <dir>/<cid>.car), then the locators the caller supplies, in
// their order (the service adds the manager's piece store and http(s)
// downloads; core itself knows file:// sources). Every candidate is streamed
// through CommP and used only if it equals the registered CID; the error of
// a piece found nowhere names the CID and what each source answered.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "damocles/core/internal/sector_record.hpp"
#include "damocles/core/sector_job.hpp"

namespace dmc::core {

// One place a locator looked: `what` names it for messages ("manager piece
// store http://…/piecestore/<cid>", "file:///…"); on success `path` is a
// local file to check (a download lands in the path the locator was given).
struct PieceCandidate {
    std::string what;
    Status status;
    std::string path;
};

// nullopt: the locator does not apply to this piece (no manager configured,
// a source of another scheme). `download_path` is where a download must go.
using PieceLocator =
    std::function<std::optional<PieceCandidate>(const PieceRecord &piece, const std::string &download_path)>;

struct PieceSources {
    std::vector<std::string> local_dirs;
    std::vector<PieceLocator> locators;
};

// The most bytes a piece's data may have: its padded size without the fr32
// padding (127 of every 128 bytes).
uint64_t unpadded_piece_bytes(const PieceRecord &piece);

// The piece's recorded source when it is a file:// URL.
PieceLocator recorded_file_source();

// Downloads `url` into `dest` (atomically), reading at most `max_bytes`
// (the piece's unpadded size: more is refused while streaming); supplied by
// whoever can speak the protocol (core has no network client).
using UrlDownload = std::function<Status(const std::string &url, uint64_t max_bytes, const std::string &dest)>;
// The piece's recorded source when it is an http:// or https:// URL, fetched
// with `download` (never with a token: the URL is a third party's).
PieceLocator recorded_url_source(UrlDownload download);

// Resolves one registered piece to a JobPiece whose path is a verified local
// copy ("" for a filler). Downloads go to `download_dir`.
Result<JobPiece> fetch_piece(const PieceRecord &piece, const PieceSources &sources, const std::string &download_dir);

} // namespace dmc::core
