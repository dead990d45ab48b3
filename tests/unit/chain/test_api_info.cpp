// SPDX-License-Identifier: Apache-2.0
//
// FULLNODE_API_INFO / MINER_API_INFO and plain URLs: every form Lotus
// documents, the default path per node, and errors that name what is wrong
// without ever printing the token.
#include <catch2/catch.hpp>

#include "service/chain/api_info.hpp"

using namespace dmc;
using namespace dmc::service::chain;

namespace {

const char *kJwt =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJBbGxvdyI6WyJyZWFkIl19.N3YSYp6RZ2fXQbFlFXUlEcchmb3YlHQh1g3oqg";

ApiEndpoint parse_ok(const std::string &text, std::string_view default_path = kFullNodeRpcPath)
{
    auto endpoint = parse_api_info(text, default_path);
    INFO(text);
    REQUIRE(endpoint.ok());
    return *endpoint;
}

} // namespace

TEST_CASE("chain api info: TOKEN:/ip4/…/tcp/…/http, default path per node", "[chain][api-info]")
{
    auto full = parse_ok(std::string(kJwt) + ":/ip4/127.0.0.1/tcp/1234/http");
    CHECK(full.token == kJwt);
    CHECK(full.scheme == "http");
    CHECK(full.host == "127.0.0.1");
    CHECK(full.port == 1234);
    CHECK(full.path == "/rpc/v1");
    CHECK(full.url() == "http://127.0.0.1:1234/rpc/v1");
    CHECK(full.host_port() == "127.0.0.1:1234");

    auto miner = parse_ok(std::string(kJwt) + ":/ip4/10.0.0.5/tcp/2345/http", kMinerRpcPath);
    CHECK(miner.url() == "http://10.0.0.5:2345/rpc/v0");
}

TEST_CASE("chain api info: ip6, dns, https, ws, tls and http-path", "[chain][api-info]")
{
    auto ip6 = parse_ok("tok:/ip6/::1/tcp/1234/http");
    CHECK(ip6.host == "::1");
    CHECK(ip6.host_port() == "[::1]:1234");
    CHECK(ip6.url() == "http://[::1]:1234/rpc/v1");

    for (const char *dns : {"dns", "dns4", "dns6"}) {
        auto named = parse_ok(std::string("tok:/") + dns + "/lotus.example.org/tcp/443/https");
        CHECK(named.host == "lotus.example.org");
        CHECK(named.url() == "https://lotus.example.org:443/rpc/v1");
    }
    CHECK(parse_ok("tok:/ip4/1.2.3.4/tcp/1234/ws").scheme == "http");
    CHECK(parse_ok("tok:/ip4/1.2.3.4/tcp/1234/wss").scheme == "https");
    CHECK(parse_ok("tok:/ip4/1.2.3.4/tcp/1234/tls/http").scheme == "https");
    // No transport component: Lotus dials it anyway (as ws, i.e. plain HTTP here).
    CHECK(parse_ok("tok:/ip4/1.2.3.4/tcp/1234").url() == "http://1.2.3.4:1234/rpc/v1");
    CHECK(parse_ok("tok:/ip4/1.2.3.4/tcp/1234/http/").url() == "http://1.2.3.4:1234/rpc/v1");
    CHECK(parse_ok("tok:/ip4/1.2.3.4/tcp/1234/http/http-path/lotus%2Frpc%2Fv1").path == "/lotus/rpc/v1");
}

TEST_CASE("chain api info: token split follows Lotus, no token is allowed", "[chain][api-info]")
{
    auto bare = parse_ok("/ip4/127.0.0.1/tcp/1234/http");
    CHECK(bare.token.empty());
    // "scheme://" is not a token separator.
    auto url = parse_ok("http://127.0.0.1:1234/rpc/v0");
    CHECK(url.token.empty());
    CHECK(url.path == "/rpc/v0");
    auto token_url = parse_ok("tok:http://127.0.0.1:1234");
    CHECK(token_url.token == "tok");
    CHECK(token_url.path == "/rpc/v1");
}

TEST_CASE("chain api info: plain URLs with a separate token", "[chain][api-info]")
{
    auto full = parse_api_url("http://127.0.0.1:1234/rpc/v1", "tok", kMinerRpcPath);
    REQUIRE(full.ok());
    CHECK(full->path == "/rpc/v1");
    CHECK(full->token == "tok");
    auto defaulted = parse_api_url("https://node.example.org/", "", kMinerRpcPath);
    REQUIRE(defaulted.ok());
    CHECK(defaulted->port == 443);
    CHECK(defaulted->path == "/rpc/v0");
    auto plain = parse_api_url("http://node", "", kFullNodeRpcPath);
    REQUIRE(plain.ok());
    CHECK(plain->port == 80);
    auto ip6 = parse_api_url("http://[fe80::1]:1234/rpc/v1", "", kFullNodeRpcPath);
    REQUIRE(ip6.ok());
    CHECK(ip6->host == "fe80::1");
    CHECK(ip6->url() == "http://[fe80::1]:1234/rpc/v1");
}

TEST_CASE("chain api info: errors name what is wrong", "[chain][api-info]")
{
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"tok:/ip4/127.0.0.300/tcp/1234/http", "\"127.0.0.300\" is not an IPv4 address"},
        {"tok:/ip6/1.2.3.4/tcp/1234/http", "is not an IPv6 address"},
        // A NUL would end the address where inet_pton stops reading (found by the fuzzer).
        {std::string("tok:/ip6/::\0junk/tcp/1234/http", 30), "is not an IPv6 address"},
        {std::string("tok:/ip4/127.0.0.1\0x/tcp/1234/http", 34), "is not an IPv4 address"},
        {"tok:/dns/bad host/tcp/1/http", "is not a host name"},
        {"tok:/ip4/127.0.0.1/udp/1234/http", "no /tcp/<port>"},
        {"tok:/ip4/127.0.0.1/tcp/0/http", "\"0\" is not a TCP port"},
        {"tok:/ip4/127.0.0.1/tcp/65536/http", "\"65536\" is not a TCP port"},
        {"tok:/ip4/127.0.0.1/tcp/12a/http", "is not a TCP port"},
        {"tok:/ip4/127.0.0.1/tcp/1234/quic", "unsupported component /quic"},
        {"tok:/ip4/127.0.0.1/tcp/1234/http/https", "unsupported component /https"},
        {"tok:/ip4/127.0.0.1/tcp/1234/tls/quic", "/tls must be followed"},
        {"tok:/unix/tmp/lotus.sock", "must start with /ip4"},
        {"tok:", "no address"},
        {"", "no address"},
        {"tok:ftp://host:1/", "want http://"},
        {"tok:http://user@host:1/", "user info"},
        {"tok:http://host:99999/", "not a TCP port"},
        {"tok:http://host:1/rpc?x=1", "query"},
        {"tok:http://[::1/", "unclosed '['"},
        {"tok:http://:1234/", "not a host name"},
        {"tok:/ip4/127.0.0.1/tcp/1234/http/http-path/a%2", "truncated %-escape"},
    };
    for (const auto &[text, why] : bad) {
        auto endpoint = parse_api_info(text, kFullNodeRpcPath);
        INFO(text);
        REQUIRE_FALSE(endpoint.ok());
        CHECK(endpoint.error().code == Errc::invalid_argument);
        CHECK_THAT(endpoint.error().message, Catch::Contains(why));
        CHECK_THAT(endpoint.error().message, !Catch::Contains("tok:"));
    }
}

TEST_CASE("chain api info: a token with a newline or space is refused, and never printed", "[chain][api-info]")
{
    auto with_newline = parse_api_info("secret\n:/ip4/127.0.0.1/tcp/1234/http", kFullNodeRpcPath);
    REQUIRE_FALSE(with_newline.ok());
    CHECK_THAT(with_newline.error().message, Catch::Contains("control"));
    CHECK_THAT(with_newline.error().message, !Catch::Contains("secret"));
    auto url = parse_api_url("http://127.0.0.1:1234/rpc/v1", "sec ret", kFullNodeRpcPath);
    REQUIRE_FALSE(url.ok());
    CHECK_THAT(url.error().message, !Catch::Contains("sec ret"));
    CHECK_FALSE(parse_api_info("tok:/ip4/127.0.0.1/tcp/1234/http", "rpc/v1").ok());
}
