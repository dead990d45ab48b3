// SPDX-License-Identifier: Apache-2.0
#include "service/worker/piece_fetcher.hpp"

#include "service/rpc/http_transport.hpp"

namespace dmc::service {

core::PieceLocator manager_piece_store(const ManagerPieceStore &manager, std::chrono::seconds total_timeout)
{
    return [manager, total_timeout](const core::PieceRecord &piece,
                                    const std::string &download_path) -> std::optional<core::PieceCandidate> {
        if (manager.address.empty()) return std::nullopt;
        auto endpoint = rpc::parse_endpoint(manager.address, 1789);
        if (!endpoint) return std::nullopt;
        const std::string url = endpoint->origin() + "/piecestore/" + piece.cid;
        DownloadLimits limits;
        limits.max_bytes = core::unpadded_piece_bytes(piece);
        limits.total_timeout = total_timeout;
        return core::PieceCandidate{"manager piece store " + url,
                                    http_download(url, {manager.token, manager.ca_file}, limits, download_path),
                                    download_path};
    };
}

core::PieceSources worker_piece_sources(const std::vector<std::string> &local_dirs, const ManagerPieceStore &manager,
                                        std::chrono::seconds total_timeout)
{
    core::PieceSources sources;
    sources.local_dirs = local_dirs;
    sources.locators.push_back(manager_piece_store(manager, total_timeout));
    sources.locators.push_back(core::recorded_file_source());
    // A recorded URL is a third party's: never the manager's token or CA.
    sources.locators.push_back(
        core::recorded_url_source([total_timeout](const std::string &url, uint64_t max_bytes, const std::string &dest) {
            DownloadLimits limits;
            limits.max_bytes = max_bytes;
            limits.total_timeout = total_timeout;
            return http_download(url, {}, limits, dest);
        }));
    return sources;
}

} // namespace dmc::service
