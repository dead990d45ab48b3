// SPDX-License-Identifier: Apache-2.0
//
// Where a Lotus node listens and how to authenticate, from what operators
// already have: FULLNODE_API_INFO / MINER_API_INFO ("TOKEN:/ip4/127.0.0.1/
// tcp/1234/http", the form `lotus auth api-info` prints) or a plain URL with a
// separate token.
//
// The multiaddr forms read: /ip4/A, /ip6/A, /dns/N, /dns4/N, /dns6/N, then
// /tcp/P, then optionally /http, /https, /ws, /wss, /tls/http or /tls/ws and
// /http-path/<percent-encoded path>. The JSON-RPC calls are plain HTTP POSTs,
// which Lotus serves on the same endpoint as its websockets, so ws means http
// and wss/tls means https. Without a path the node's default applies, which
// differs by node (kFullNodeRpcPath, kMinerRpcPath): the caller passes it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "damocles/sdk/result.hpp"

namespace dmc::service::chain {

inline constexpr std::string_view kFullNodeRpcPath = "/rpc/v1";
inline constexpr std::string_view kMinerRpcPath = "/rpc/v0";

struct ApiEndpoint {
    std::string scheme = "http"; // "http" or "https"
    std::string host;            // a name, IPv4 or IPv6 (without brackets)
    uint16_t port = 0;
    std::string path;  // "/rpc/v1"
    std::string token; // bearer token; empty: none sent

    std::string host_port() const; // "127.0.0.1:1234", "[::1]:1234"
    std::string base_url() const;  // "http://127.0.0.1:1234"
    std::string url() const;       // base_url() + path
    bool operator==(const ApiEndpoint &) const = default;
};

// "TOKEN:<multiaddr>", "<multiaddr>", "TOKEN:<url>" or "<url>" (Lotus'
// rule: what precedes the first ':' is the token unless the text starts with
// '/' or the ':' begins "://"). Errors name the part that is wrong.
Result<ApiEndpoint> parse_api_info(std::string_view api_info, std::string_view default_path);

// "http(s)://host[:port][/path]" and a token given apart (may be empty).
// No port: 80 / 443; no path or "/": default_path.
Result<ApiEndpoint> parse_api_url(std::string_view url, std::string_view token, std::string_view default_path);

// A bearer token goes into an HTTP header: printable ASCII without spaces.
Status check_api_token(std::string_view token);

} // namespace dmc::service::chain
