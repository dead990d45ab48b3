// SPDX-License-Identifier: Apache-2.0
#include "damocles/core/internal/piece_sources.hpp"

#include <filesystem>

#include <spdlog/spdlog.h>

#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/comm_p.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/piece.hpp"

namespace dmc::core {

namespace fs = std::filesystem;

namespace {

// CommP of a candidate file at the piece's size must be the registered one.
Status check_commp(const std::string &path, const PieceRecord &piece, const Bytes32 &expected)
{
    std::error_code ec;
    auto size = fs::file_size(path, ec);
    if (ec) return make_error(Errc::not_found, "not found");
    const uint64_t unpadded = unpadded_piece_bytes(piece);
    if (size > unpadded)
        return make_error(Errc::verify_failed, std::to_string(size) + " bytes, more than the piece holds");
    auto info = compute_comm_p_file(path, unpadded);
    if (!info) return info.error();
    if (info->comm != expected)
        return make_error(Errc::verify_failed, "CommP is " + commitment_to_cid(info->comm, CommitmentKind::unsealed) +
                                                   ", not the registered CID");
    return {};
}

} // namespace

uint64_t unpadded_piece_bytes(const PieceRecord &piece) { return piece.size / 128 * 127; }

PieceLocator recorded_file_source()
{
    return [](const PieceRecord &piece, const std::string &) -> std::optional<PieceCandidate> {
        if (!piece.source || piece.source->rfind("file://", 0) != 0) return std::nullopt;
        PieceCandidate candidate{*piece.source, {}, piece.source->substr(7)};
        std::error_code ec;
        if (!fs::exists(candidate.path, ec)) candidate.status = make_error(Errc::not_found, "not found");
        return candidate;
    };
}

PieceLocator recorded_url_source(UrlDownload download)
{
    return [download = std::move(download)](const PieceRecord &piece,
                                            const std::string &download_path) -> std::optional<PieceCandidate> {
        if (!download || !piece.source) return std::nullopt;
        const std::string &url = *piece.source;
        if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) return std::nullopt;
        return PieceCandidate{url, download(url, unpadded_piece_bytes(piece), download_path), download_path};
    };
}

Result<JobPiece> fetch_piece(const PieceRecord &piece, const PieceSources &sources, const std::string &download_dir)
{
    JobPiece out;
    out.padded_size = piece.size;
    out.cid = piece.cid;
    Bytes32 expected;
    DMC_TRY_ASSIGN(expected, cid_to_commitment(piece.cid, CommitmentKind::unsealed));
    out.expected_comm = expected;

    // A filler piece: its CID is the zero commitment of its size.
    auto zero = zero_piece_commitment(piece.size);
    if (zero && *zero == expected) {
        out.source = "zeros (filler piece)";
        return out;
    }

    std::vector<std::string> tried;
    auto accept = [&](const std::string &path, const std::string &what) -> bool {
        Status st = check_commp(path, piece, expected);
        if (st.ok()) {
            out.path = path;
            out.source = what;
            spdlog::info("piece {} from {}", piece.cid, what);
            return true;
        }
        tried.push_back(what + ": " + st.error().message);
        return false;
    };

    for (const auto &dir : sources.local_dirs) {
        for (const std::string &name : {piece.cid, piece.cid + ".car"}) {
            std::error_code ec;
            std::string p = dir + "/" + name;
            if (fs::exists(p, ec) && accept(p, "local piece dir " + p)) return out;
        }
    }
    // The import format admits these schemes only; a record from elsewhere
    // may carry another, which no locator fetches (docs/architecture.md §8.7).
    if (piece.source && piece.source->rfind("file://", 0) != 0 && piece.source->rfind("http://", 0) != 0 &&
        piece.source->rfind("https://", 0) != 0)
        tried.push_back("recorded source " + *piece.source + ": unsupported scheme (file, http and https only)");
    const std::string dest = download_dir + "/" + piece.cid;
    if (!sources.locators.empty()) DMC_TRY_VOID(make_dirs(download_dir));
    for (const auto &locate : sources.locators) {
        auto candidate = locate(piece, dest);
        if (!candidate) continue;
        if (!candidate->status.ok())
            tried.push_back(candidate->what + ": " + candidate->status.error().message);
        else if (accept(candidate->path, candidate->what))
            return out;
    }
    std::error_code ec;
    fs::remove(dest, ec);
    std::string detail;
    for (const auto &t : tried) detail += (detail.empty() ? "" : "; ") + t;
    if (detail.empty()) detail = "no local piece dir has it, no manager piece store and no source recorded";
    return make_error(Errc::not_found, "get piece " + piece.cid + ": " + detail);
}

} // namespace dmc::core
