// SPDX-License-Identifier: Apache-2.0
#include "service/ui/console_session.hpp"

#include <array>
#include <random>
#include <span>

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "damocles/sdk/hex.hpp"

namespace dmc::service::ui {

namespace {

std::array<uint8_t, SHA256_DIGEST_LENGTH> sha256(std::string_view text)
{
    std::array<uint8_t, SHA256_DIGEST_LENGTH> out{};
    SHA256(reinterpret_cast<const unsigned char *>(text.data()), text.size(), out.data());
    return out;
}

// Equal-length secrets compared without an early exit.
bool same_secret(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string random_nonce()
{
    std::random_device rd;
    std::array<uint8_t, 16> raw{};
    for (auto &b : raw) b = static_cast<uint8_t>(rd());
    return to_hex(raw);
}

} // namespace

ConsoleSession::ConsoleSession(std::string token, std::chrono::seconds lifetime)
    : token_(std::move(token)), nonce_(random_nonce()), lifetime_(lifetime)
{
}

bool ConsoleSession::token_matches(std::string_view candidate) const
{
    // Digests first: the comparison then takes the same time whatever the
    // candidate's length or content.
    const auto want = sha256(token_), got = sha256(candidate);
    return CRYPTO_memcmp(want.data(), got.data(), want.size()) == 0;
}

bool ConsoleSession::bearer_matches(std::string_view authorization_header) const
{
    constexpr std::string_view kPrefix = "Bearer ";
    if (authorization_header.substr(0, kPrefix.size()) != kPrefix) return false;
    return token_matches(authorization_header.substr(kPrefix.size()));
}

std::string ConsoleSession::mac_hex(int64_t expires) const
{
    const std::string message = "damocles-console-session|" + nonce_ + "|" + std::to_string(expires);
    std::array<uint8_t, EVP_MAX_MD_SIZE> mac{};
    unsigned int length = 0;
    HMAC(EVP_sha256(), token_.data(), static_cast<int>(token_.size()),
         reinterpret_cast<const unsigned char *>(message.data()), message.size(), mac.data(), &length);
    return to_hex(std::span<const uint8_t>(mac.data(), length));
}

std::string ConsoleSession::mint(int64_t now_seconds) const
{
    const int64_t expires = now_seconds + lifetime_.count();
    return std::to_string(expires) + "." + mac_hex(expires);
}

bool ConsoleSession::valid(std::string_view value, int64_t now_seconds) const
{
    const auto dot = value.find('.');
    if (dot == std::string_view::npos || dot == 0 || dot > 18) return false;
    const std::string_view digits = value.substr(0, dot);
    if (digits.find_first_not_of("0123456789") != std::string_view::npos) return false;
    const int64_t expires = std::stoll(std::string(digits));
    if (expires <= now_seconds || expires > now_seconds + lifetime_.count()) return false;
    return same_secret(value.substr(dot + 1), mac_hex(expires));
}

std::string ConsoleSession::set_cookie_header(const std::string &session_value) const
{
    // No Secure attribute: the manager serves plain HTTP (loopback or a
    // private network, as its JSON-RPC does).
    return std::string(kCookieName) + "=" + session_value +
           "; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(lifetime_.count());
}

std::string ConsoleSession::clear_cookie_header() const
{
    return std::string(kCookieName) + "=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0";
}

std::string cookie_value(std::string_view header, std::string_view name)
{
    size_t pos = 0;
    while (pos < header.size()) {
        size_t end = header.find(';', pos);
        if (end == std::string_view::npos) end = header.size();
        std::string_view item = header.substr(pos, end - pos);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        const auto eq = item.find('=');
        if (eq != std::string_view::npos && item.substr(0, eq) == name) return std::string(item.substr(eq + 1));
        pos = end + 1;
    }
    return "";
}

} // namespace dmc::service::ui
