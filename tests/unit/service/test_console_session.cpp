// SPDX-License-Identifier: Apache-2.0
//
// The web console's session (service/ui/console_session.hpp): the token
// check, the cookie value (not the token, bound to this process, expiring,
// refused when altered) and the Set-Cookie attributes. The MAC is checked
// against OpenSSL's HMAC computed here from the documented message.
#include <catch2/catch.hpp>

#include <openssl/hmac.h>

#include "damocles/sdk/hex.hpp"
#include "service/ui/console_session.hpp"

using namespace dmc::service::ui;

namespace {

const std::string kToken = "5f2b0c8e7d1a4b3c9e6f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f";

} // namespace

TEST_CASE("console session: the token check accepts only the token", "[service][ui]")
{
    ConsoleSession s(kToken);
    CHECK(s.token_matches(kToken));
    CHECK_FALSE(s.token_matches(kToken.substr(0, 63)));
    CHECK_FALSE(s.token_matches(kToken + "0"));
    CHECK_FALSE(s.token_matches(""));
    std::string one_off = kToken;
    one_off[10] = one_off[10] == 'a' ? 'b' : 'a';
    CHECK_FALSE(s.token_matches(one_off));
    CHECK(s.bearer_matches("Bearer " + kToken));
    CHECK_FALSE(s.bearer_matches("bearer " + kToken));
    CHECK_FALSE(s.bearer_matches(kToken));
    CHECK_FALSE(s.bearer_matches("Bearer " + kToken + " "));
}

TEST_CASE("console session: values are MACs, not the token, and expire", "[service][ui]")
{
    ConsoleSession s(kToken, std::chrono::hours(12));
    const int64_t now = 1'700'000'000;
    const std::string value = s.mint(now);
    const auto dot = value.find('.');
    REQUIRE(dot != std::string::npos);
    CHECK(value.substr(0, dot) == std::to_string(now + 12 * 3600));
    CHECK(value.size() == dot + 1 + 64); // hex of an HMAC-SHA256
    CHECK(value.find(kToken) == std::string::npos);
    CHECK(s.valid(value, now));
    CHECK(s.valid(value, now + 12 * 3600 - 1));
    CHECK_FALSE(s.valid(value, now + 12 * 3600)); // expired
    // Moving the expiry, changing the MAC, or garbage: refused.
    CHECK_FALSE(s.valid(std::to_string(now + 100) + value.substr(dot), now));
    std::string altered = value;
    altered.back() = altered.back() == '0' ? '1' : '0';
    CHECK_FALSE(s.valid(altered, now));
    for (const char *junk : {"", ".", "123", "abc.def", "99999999999999999999.00", "-5.00"})
        CHECK_FALSE(s.valid(junk, now));
    // Another process (another nonce) or another token does not accept it.
    CHECK_FALSE(ConsoleSession(kToken).valid(value, now));
    // The MAC is HMAC-SHA256 keyed by the token: a value made with another
    // key is never accepted, whatever its message.
    unsigned char mac[32];
    unsigned int len = 0;
    const std::string expires = std::to_string(now + 3600);
    HMAC(EVP_sha256(), "other", 5, reinterpret_cast<const unsigned char *>(expires.data()), expires.size(), mac, &len);
    CHECK_FALSE(s.valid(expires + "." + dmc::to_hex(std::span<const uint8_t>(mac, len)), now));
}

TEST_CASE("console session: cookie attributes and parsing", "[service][ui]")
{
    ConsoleSession s(kToken, std::chrono::seconds(600));
    const std::string header = s.set_cookie_header("123.abc");
    CHECK(header == "dmc_console=123.abc; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=600");
    CHECK(s.clear_cookie_header() == "dmc_console=; Path=/ui; HttpOnly; SameSite=Strict; Max-Age=0");
    CHECK(cookie_value("a=1; dmc_console=xyz; b=2", "dmc_console") == "xyz");
    CHECK(cookie_value("dmc_console=xyz", "dmc_console") == "xyz");
    CHECK(cookie_value("xdmc_console=xyz", "dmc_console") == "");
    CHECK(cookie_value("", "dmc_console") == "");
}
