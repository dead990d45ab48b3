// SPDX-License-Identifier: Apache-2.0
#include "service/worker/http_download.hpp"

#include <charconv>
#include <optional>
#include <span>

#include <httplib.h>

#include "damocles/sdk/file.hpp"
#include "service/rpc/http_deadline.hpp"
#include "service/rpc/http_transport.hpp"

namespace dmc::service {

namespace {

using rpc::HttpEndpoint;

// The path (and query) of an absolute URL, "/" when it has none.
std::string path_of(const std::string &url)
{
    const auto scheme_end = url.find("://");
    const auto path_start = scheme_end == std::string::npos ? std::string::npos : url.find('/', scheme_end + 3);
    return path_start == std::string::npos ? "/" : url.substr(path_start);
}

bool same_origin(const HttpEndpoint &a, const HttpEndpoint &b)
{
    return a.scheme == b.scheme && a.host == b.host && a.port == b.port;
}

// Where a redirect leads, as a path on `origin`; an error when it leaves
// the origin (another scheme, host or port) or is not understood.
Result<std::string> redirect_path(const std::string &location, const HttpEndpoint &origin)
{
    if (location.rfind("/", 0) == 0 && location.rfind("//", 0) != 0) return location;
    if (location.find("://") != std::string::npos) {
        auto target = rpc::parse_endpoint(location, -1);
        if (target && same_origin(*target, origin)) return path_of(location);
    }
    return make_error(Errc::io, "redirect to '" + location + "' refused: only redirects to the same scheme, host and " +
                                    "port (" + origin.origin() + ") are followed");
}

struct Exchange {
    int status = 0;
    std::string location;
    std::string refusal; // why the body was refused while it streamed
    uint64_t received = 0;
    Status write_status;
};

std::optional<uint64_t> content_length(const httplib::Response &response)
{
    if (!response.has_header("Content-Length")) return std::nullopt;
    const std::string text = response.get_header_value("Content-Length");
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

} // namespace

Status http_download(const std::string &url, const DownloadAuth &auth, const DownloadLimits &limits,
                     const std::string &dest)
{
    if (limits.max_bytes == 0) return make_error(Errc::internal, "http_download of " + url + " without a size bound");
    HttpEndpoint origin;
    DMC_TRY_ASSIGN(origin, rpc::parse_endpoint(url, -1));
    const auto deadline = std::chrono::steady_clock::now() + limits.total_timeout;
    std::string path = path_of(url);
    for (int hop = 0;; ++hop) {
        AtomicFileWriter out;
        DMC_TRY_ASSIGN(out, AtomicFileWriter::create(dest));
        auto client = rpc::make_http_client(origin, auth.ca_file);
        client->set_follow_location(false); // followed below, same origin only
        client->set_connection_timeout(limits.connect_timeout);
        client->set_read_timeout(limits.read_timeout);
        client->set_write_timeout(limits.read_timeout);
        if (!auth.token.empty()) client->set_bearer_token_auth(auth.token.c_str());
        Exchange x;
        rpc::HttpDeadline guard(*client, deadline);
        auto result = client->Get(
            path, httplib::Headers{},
            [&](const httplib::Response &response) {
                x.status = response.status;
                if (response.status >= 300 && response.status < 400) {
                    x.location = response.get_header_value("Location");
                    return false;
                }
                if (response.status != 200) return false;
                if (auto length = content_length(response); length && *length > limits.max_bytes) {
                    x.refusal = "the server announces " + std::to_string(*length) + " bytes, more than the piece's " +
                                std::to_string(limits.max_bytes);
                    return false;
                }
                return true;
            },
            [&](const char *data, size_t length) {
                if (x.received + length > limits.max_bytes) {
                    x.refusal = "the server sent more than the piece's " + std::to_string(limits.max_bytes) + " bytes";
                    return false;
                }
                x.received += length;
                x.write_status = out.write(std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(data), length));
                return x.write_status.ok();
            });
        guard.disarm();
        if (!x.refusal.empty()) return make_error(Errc::verify_failed, x.refusal);
        DMC_TRY_VOID(x.write_status);
        if (guard.fired())
            return make_error(Errc::io, "not finished after " + std::to_string(limits.total_timeout.count()) +
                                            " s ([sealing] piece_fetch_timeout); " + std::to_string(x.received) +
                                            " bytes received");
        if (x.status >= 300 && x.status < 400) {
            if (hop >= limits.max_redirects)
                return make_error(Errc::io, "more than " + std::to_string(limits.max_redirects) + " redirects");
            if (x.location.empty())
                return make_error(Errc::io, "HTTP " + std::to_string(x.status) + " without Location");
            DMC_TRY_ASSIGN(path, redirect_path(x.location, origin));
            continue;
        }
        if (x.status != 0 && x.status != 200) return make_error(Errc::not_found, "HTTP " + std::to_string(x.status));
        if (!result)
            return make_error(Errc::io, "unreachable: " + rpc::describe_http_error(result.error(), origin, *client));
        return out.commit();
    }
}

} // namespace dmc::service
