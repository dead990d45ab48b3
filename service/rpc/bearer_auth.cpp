// SPDX-License-Identifier: Apache-2.0
#include "service/rpc/bearer_auth.hpp"

#include <array>

#include <httplib.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace dmc::service::rpc {

namespace {

using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view text)
{
    Digest out{};
    unsigned int length = 0;
    EVP_Digest(text.data(), text.size(), out.data(), &length, EVP_sha256(), nullptr);
    return out;
}

} // namespace

bool bearer_token_matches(std::string_view authorization, std::string_view token)
{
    if (token.empty()) return false;
    const Digest presented = sha256(authorization);
    const Digest expected = sha256(std::string("Bearer ") + std::string(token));
    return CRYPTO_memcmp(presented.data(), expected.data(), presented.size()) == 0;
}

HttpHandler require_bearer_token(std::string token, HttpHandler handler, bool json_body)
{
    if (token.empty()) return handler;
    return [token = std::move(token), handler = std::move(handler), json_body](const httplib::Request &req,
                                                                               httplib::Response &res) {
        if (!bearer_token_matches(req.get_header_value("Authorization"), token)) {
            res.status = 401;
            if (json_body)
                res.set_content("{\"error\":\"unauthorized: missing or wrong bearer token\"}\n", "application/json");
            else
                res.set_content("unauthorized: missing or wrong bearer token\n", "text/plain");
            return;
        }
        handler(req, res);
    };
}

} // namespace dmc::service::rpc
