// SPDX-License-Identifier: Apache-2.0
#include "damocles/core/piece_fetcher.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>

#include <httplib.h>

#include "damocles/core/json_rpc.hpp"
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
    const uint64_t unpadded = piece.size / 128 * 127;
    if (size > unpadded)
        return make_error(Errc::verify_failed, std::to_string(size) + " bytes, more than the piece holds");
    auto info = compute_comm_p_file(path, unpadded);
    if (!info) return info.error();
    if (info->comm != expected)
        return make_error(Errc::verify_failed,
                          "CommP is " + commitment_to_cid(info->comm, CommitmentKind::unsealed) + ", not the registered CID");
    return {};
}

// GET `path` from host:port into `dest` (atomically), with optional token.
Status http_download(const std::string &scheme_host_port, const std::string &path, const std::string &token,
                     const std::string &dest)
{
    httplib::Client cli(scheme_host_port);
    cli.set_connection_timeout(10, 0);
    cli.set_read_timeout(300, 0);
    cli.set_follow_location(true);
    if (!token.empty()) cli.set_bearer_token_auth(token.c_str());
    AtomicFileWriter out;
    DMC_TRY_ASSIGN(out, AtomicFileWriter::create(dest));
    Status write_status;
    int status = 0;
    auto res = cli.Get(
        path, httplib::Headers{},
        [&](const httplib::Response &r) {
            status = r.status;
            return r.status == 200;
        },
        [&](const char *data, size_t len) {
            write_status = out.write(std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(data), len));
            return write_status.ok();
        });
    if (!res) {
        if (status != 0 && status != 200) return make_error(Errc::not_found, "HTTP " + std::to_string(status));
        return make_error(Errc::io, "unreachable (" + httplib::to_string(res.error()) + ")");
    }
    if (res->status != 200) return make_error(Errc::not_found, "HTTP " + std::to_string(res->status));
    DMC_TRY_VOID(write_status);
    return out.commit();
}

} // namespace

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
            return true;
        }
        tried.push_back(what + ": " + st.error().message);
        return false;
    };

    for (const auto &dir : sources.local_dirs) {
        for (const std::string name : {piece.cid, piece.cid + ".car"}) {
            std::error_code ec;
            std::string p = dir + "/" + name;
            if (fs::exists(p, ec) && accept(p, "local piece dir " + p)) return out;
        }
    }
    DMC_TRY_VOID(make_dirs(download_dir));
    const std::string dest = download_dir + "/" + piece.cid;
    if (!sources.manager_address.empty()) {
        auto hp = rpc::parse_host_port(sources.manager_address, 1789);
        if (hp) {
            std::string what = "manager piece store http://" + hp->first + ":" + std::to_string(hp->second) +
                               "/piecestore/" + piece.cid;
            Status st = http_download("http://" + hp->first + ":" + std::to_string(hp->second), "/piecestore/" + piece.cid,
                                      sources.manager_token, dest);
            if (st.ok()) {
                if (accept(dest, what)) return out;
            } else {
                tried.push_back(what + ": " + st.error().message);
            }
        }
    }
    if (piece.source) {
        const std::string &src = *piece.source;
        if (src.rfind("file://", 0) == 0) {
            std::string path = src.substr(7);
            std::error_code ec;
            if (!fs::exists(path, ec))
                tried.push_back(src + ": not found");
            else if (accept(path, src))
                return out;
        } else {
            // http(s)://host[:port]/path
            auto scheme_end = src.find("://");
            auto path_start = src.find('/', scheme_end + 3);
            std::string base = path_start == std::string::npos ? src : src.substr(0, path_start);
            std::string path = path_start == std::string::npos ? "/" : src.substr(path_start);
            Status st = http_download(base, path, "", dest);
            if (st.ok()) {
                if (accept(dest, src)) return out;
            } else {
                tried.push_back(src + ": " + st.error().message);
            }
        }
    }
    std::error_code ec;
    fs::remove(dest, ec);
    std::string detail;
    for (const auto &t : tried) detail += (detail.empty() ? "" : "; ") + t;
    if (detail.empty()) detail = "no local piece dir has it, no manager piece store and no source recorded";
    return make_error(Errc::not_found, "get piece " + piece.cid + ": " + detail);
}

} // namespace dmc::core
