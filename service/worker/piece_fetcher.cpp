// SPDX-License-Identifier: Apache-2.0
#include "service/worker/piece_fetcher.hpp"

#include <httplib.h>

#include "damocles/sdk/file.hpp"
#include "service/rpc/json_rpc.hpp"

namespace dmc::service {

using namespace dmc::core;

namespace {

// "http(s)://host[:port]/path" -> ("http(s)://host[:port]", "/path").
std::pair<std::string, std::string> split_url(const std::string &url)
{
    const auto scheme_end = url.find("://");
    const auto path_start = scheme_end == std::string::npos ? std::string::npos : url.find('/', scheme_end + 3);
    if (path_start == std::string::npos) return {url, "/"};
    return {url.substr(0, path_start), url.substr(path_start)};
}

} // namespace

Status http_download(const std::string &url, const std::string &token, const std::string &dest)
{
    const auto [scheme_host_port, path] = split_url(url);
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

core::PieceLocator manager_piece_store(const std::string &address, const std::string &token)
{
    return [address, token](const core::PieceRecord &piece,
                            const std::string &download_path) -> std::optional<core::PieceCandidate> {
        if (address.empty()) return std::nullopt;
        auto host_port = rpc::parse_host_port(address, 1789);
        if (!host_port) return std::nullopt;
        const std::string url =
            "http://" + host_port->first + ":" + std::to_string(host_port->second) + "/piecestore/" + piece.cid;
        return core::PieceCandidate{"manager piece store " + url, http_download(url, token, download_path),
                                    download_path};
    };
}

core::PieceSources worker_piece_sources(const std::vector<std::string> &local_dirs, const std::string &manager_address,
                                        const std::string &manager_token)
{
    core::PieceSources sources;
    sources.local_dirs = local_dirs;
    sources.locators.push_back(manager_piece_store(manager_address, manager_token));
    sources.locators.push_back(core::recorded_file_source());
    sources.locators.push_back(core::recorded_url_source(
        [](const std::string &url, const std::string &dest) { return http_download(url, "", dest); }));
    return sources;
}

} // namespace dmc::service
