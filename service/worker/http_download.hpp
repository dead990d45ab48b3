// SPDX-License-Identifier: Apache-2.0
//
// A bounded HTTP(S) download of a piece (docs/architecture.md §8.7). A
// record may carry any URL and the farm network is not trusted, so a
// download:
//  * reads at most `max_bytes` (the piece's unpadded size): a larger
//    Content-Length is refused before the body, a longer body while it
//    streams, never after it was written;
//  * ends at a total deadline as well as per read (a trickling server);
//  * follows a redirect only to the same scheme, host and port (a
//    manager's token never travels to another server);
//  * lands atomically in `dest` (temporary + fsync + rename), or not at all.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "damocles/sdk/result.hpp"

namespace dmc::service {

struct DownloadLimits {
    uint64_t max_bytes = 0;                      // required: more is refused
    std::chrono::seconds total_timeout{30 * 60}; // [sealing] piece_fetch_timeout
    std::chrono::seconds read_timeout{300};      // one read
    std::chrono::seconds connect_timeout{10};
    int max_redirects = 5;
};

// Credentials for one download: the bearer token (only ever for the
// manager's own piece store) and the CA file of an https server.
struct DownloadAuth {
    std::string token;
    std::string ca_file;
};

// GET `url` (http:// or https://) into `dest`. Errors: not_found for an
// HTTP error status, verify_failed for a body larger than the piece,
// io for an unreachable server, a refused redirect or the deadline.
Status http_download(const std::string &url, const DownloadAuth &auth, const DownloadLimits &limits,
                     const std::string &dest);

} // namespace dmc::service
