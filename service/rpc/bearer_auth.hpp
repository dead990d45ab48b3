// SPDX-License-Identifier: Apache-2.0
//
// Bearer tokens on every HTTP route that needs one (the manager's RPC and
// piece store, the worker's admin API, /metrics with [metrics] token_file).
// The comparison is constant-time: both the header and the expected
// "Bearer <token>" are hashed (SHA-256) and the digests compared with
// CRYPTO_memcmp, so neither a matching prefix nor the token's length shows
// in the response time of a wrong guess.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace httplib {
struct Request;
struct Response;
} // namespace httplib

namespace dmc::service::rpc {

using HttpHandler = std::function<void(const httplib::Request &, httplib::Response &)>;

// True when `authorization` (the header's value) is "Bearer <token>".
// Never true for an empty token.
bool bearer_token_matches(std::string_view authorization, std::string_view token);

// `handler` behind the token: a request without it, or with another one,
// gets 401 and one line saying so (JSON when `json_body`). An empty token
// means the route is open.
HttpHandler require_bearer_token(std::string token, HttpHandler handler, bool json_body = false);

} // namespace dmc::service::rpc
