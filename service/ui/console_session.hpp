// SPDX-License-Identifier: Apache-2.0
//
// Who may see the web console (docs/architecture.md §8.9): whoever holds the
// manager's token. It is typed once into the login form and becomes a
// session cookie that is not the token: "<expires>.<HMAC-SHA256>", keyed by
// the token over a per-process nonce and the expiry, so a stolen cookie
// neither reveals the token nor outlives a manager restart or its lifetime.
// Every comparison of a secret is constant-time (CRYPTO_memcmp).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace dmc::service::ui {

class ConsoleSession {
public:
    static constexpr const char *kCookieName = "dmc_console";

    explicit ConsoleSession(std::string token, std::chrono::seconds lifetime = std::chrono::hours(12));

    // The candidate is the manager's token (constant time in its content).
    bool token_matches(std::string_view candidate) const;
    // "Bearer <token>" exactly.
    bool bearer_matches(std::string_view authorization_header) const;

    // A session value valid until now + lifetime.
    std::string mint(int64_t now_seconds) const;
    bool valid(std::string_view session_value, int64_t now_seconds) const;

    // The Set-Cookie header value that logs in (or out, with an empty value).
    std::string set_cookie_header(const std::string &session_value) const;
    std::string clear_cookie_header() const;

    std::chrono::seconds lifetime() const { return lifetime_; }

private:
    std::string mac_hex(int64_t expires) const;
    std::string token_;
    std::string nonce_; // random per process: restarting the manager ends every session
    std::chrono::seconds lifetime_;
};

// The value of cookie `name` in a Cookie header ("" when absent).
std::string cookie_value(std::string_view cookie_header, std::string_view name);

} // namespace dmc::service::ui
