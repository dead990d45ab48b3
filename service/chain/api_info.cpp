// SPDX-License-Identifier: Apache-2.0
#include "service/chain/api_info.hpp"

#include <arpa/inet.h>

#include <vector>

#include "service/chain/lotus_encoding.hpp"

namespace dmc::service::chain {

namespace {

Error bad_info(std::string_view text, const std::string &why)
{
    return make_error(Errc::invalid_argument, "invalid API info " + quoted_excerpt(text, 120) + ": " + why);
}

// inet_pton reads a C string: a NUL inside `host` would hide what follows
// it ("::\0junk" read as "::"; found by fuzz_lotus_json), so it is refused.
bool is_ipv4(const std::string &host)
{
    in_addr parsed{};
    return host.find('\0') == std::string::npos && ::inet_pton(AF_INET, host.c_str(), &parsed) == 1;
}

bool is_ipv6(const std::string &host)
{
    in6_addr parsed{};
    return host.find('\0') == std::string::npos && ::inet_pton(AF_INET6, host.c_str(), &parsed) == 1;
}

bool is_dns_name(std::string_view host)
{
    if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-') return false;
    for (char symbol : host) {
        const bool allowed = (symbol >= 'a' && symbol <= 'z') || (symbol >= 'A' && symbol <= 'Z') ||
                             (symbol >= '0' && symbol <= '9') || symbol == '-' || symbol == '.' || symbol == '_';
        if (!allowed) return false;
    }
    return true;
}

// A decimal TCP port, 1..65535.
bool parse_port(std::string_view text, uint16_t &port)
{
    if (text.empty() || text.size() > 5) return false;
    uint32_t value = 0;
    for (char digit : text) {
        if (digit < '0' || digit > '9') return false;
        value = value * 10 + static_cast<uint32_t>(digit - '0');
    }
    if (value == 0 || value > 65535) return false;
    port = static_cast<uint16_t>(value);
    return true;
}

int hex_value(char symbol)
{
    if (symbol >= '0' && symbol <= '9') return symbol - '0';
    if (symbol >= 'a' && symbol <= 'f') return symbol - 'a' + 10;
    if (symbol >= 'A' && symbol <= 'F') return symbol - 'A' + 10;
    return -1;
}

// The value of /http-path is one multiaddr component, so its slashes are
// percent-encoded ("rpc%2Fv1").
Result<std::string> percent_decode(std::string_view text)
{
    std::string out;
    for (size_t pos = 0; pos < text.size(); ++pos) {
        if (text[pos] != '%') {
            out.push_back(text[pos]);
            continue;
        }
        if (pos + 2 >= text.size()) return make_error(Errc::invalid_argument, "truncated %-escape");
        const int high = hex_value(text[pos + 1]), low = hex_value(text[pos + 2]);
        if (high < 0 || low < 0) return make_error(Errc::invalid_argument, "bad %-escape");
        out.push_back(static_cast<char>(high * 16 + low));
        pos += 2;
    }
    return out;
}

// A request path: starts with '/', printable, no query or fragment.
bool is_request_path(std::string_view path)
{
    if (path.empty() || path.front() != '/') return false;
    for (char symbol : path) {
        const auto byte = static_cast<unsigned char>(symbol);
        if (byte <= 0x20 || byte >= 0x7f || symbol == '?' || symbol == '#') return false;
    }
    return true;
}

Result<ApiEndpoint> parse_multiaddr(std::string_view text, std::string_view default_path)
{
    std::vector<std::string_view> parts;
    for (size_t start = 1; start <= text.size();) {
        size_t slash = text.find('/', start);
        if (slash == std::string_view::npos) slash = text.size();
        parts.push_back(text.substr(start, slash - start));
        start = slash + 1;
    }
    if (!parts.empty() && parts.back().empty()) parts.pop_back(); // a trailing '/'
    size_t index = 0;
    auto next = [&]() -> std::string_view { return index < parts.size() ? parts[index++] : std::string_view(); };

    ApiEndpoint endpoint;
    const std::string_view host_protocol = next();
    const std::string host(next());
    if (host_protocol == "ip4") {
        if (!is_ipv4(host)) return bad_info(text, quoted_excerpt(host) + " is not an IPv4 address");
    } else if (host_protocol == "ip6") {
        if (!is_ipv6(host)) return bad_info(text, quoted_excerpt(host) + " is not an IPv6 address");
    } else if (host_protocol == "dns" || host_protocol == "dns4" || host_protocol == "dns6") {
        if (!is_dns_name(host)) return bad_info(text, quoted_excerpt(host) + " is not a host name");
    } else if (host_protocol.empty()) {
        return bad_info(text, "no address (want /ip4/<address>/tcp/<port>/http)");
    } else {
        return bad_info(text, "the address must start with /ip4, /ip6, /dns, /dns4 or /dns6, not /" +
                                  printable_excerpt(host_protocol, 20));
    }
    endpoint.host = host;
    if (next() != "tcp") return bad_info(text, "no /tcp/<port> after the host");
    const std::string_view port = next();
    if (!parse_port(port, endpoint.port))
        return bad_info(text, quoted_excerpt(port, 20) + " is not a TCP port (1-65535)");

    endpoint.path = std::string(default_path);
    bool transport_seen = false;
    while (index < parts.size()) {
        const std::string_view protocol = next();
        if (!transport_seen && (protocol == "http" || protocol == "ws")) {
            transport_seen = true;
        } else if (!transport_seen && (protocol == "https" || protocol == "wss")) {
            endpoint.scheme = "https";
            transport_seen = true;
        } else if (!transport_seen && protocol == "tls") {
            const std::string_view inner = next();
            if (inner != "http" && inner != "ws") return bad_info(text, "/tls must be followed by /http or /ws");
            endpoint.scheme = "https";
            transport_seen = true;
        } else if (protocol == "http-path") {
            auto path = percent_decode(next());
            if (!path) return bad_info(text, "/http-path: " + path.error().message);
            std::string full = path->empty() || path->front() != '/' ? "/" + *path : *path;
            if (!is_request_path(full)) return bad_info(text, "/http-path is not a request path");
            endpoint.path = full;
        } else {
            return bad_info(text, "unsupported component /" + printable_excerpt(protocol, 20) +
                                      " (want /http, /https, /ws, /wss, /tls/http or /http-path)");
        }
    }
    return endpoint;
}

} // namespace

std::string ApiEndpoint::host_port() const
{
    const bool bracket = host.find(':') != std::string::npos;
    return (bracket ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string ApiEndpoint::base_url() const { return scheme + "://" + host_port(); }

std::string ApiEndpoint::url() const { return base_url() + path; }

Status check_api_token(std::string_view token)
{
    if (token.size() > 16384) return make_error(Errc::invalid_argument, "API token is longer than 16384 characters");
    for (char symbol : token) {
        const auto byte = static_cast<unsigned char>(symbol);
        if (byte <= 0x20 || byte >= 0x7f)
            return make_error(Errc::invalid_argument,
                              "API token contains a space, control or non-ASCII character (a newline from a file?)");
    }
    return {};
}

Result<ApiEndpoint> parse_api_url(std::string_view url, std::string_view token, std::string_view default_path)
{
    auto bad = [&](const std::string &why) {
        return make_error(Errc::invalid_argument, "invalid API URL " + quoted_excerpt(url, 120) + ": " + why);
    };
    if (!is_request_path(default_path)) return bad("the default path must start with '/'");
    ApiEndpoint endpoint;
    std::string_view rest;
    for (auto [prefix, scheme] : {std::pair{"http://", "http"}, std::pair{"https://", "https"},
                                  std::pair{"ws://", "http"}, std::pair{"wss://", "https"}}) {
        if (url.substr(0, std::string_view(prefix).size()) == prefix) {
            endpoint.scheme = scheme;
            rest = url.substr(std::string_view(prefix).size());
            break;
        }
    }
    if (rest.empty()) return bad("want http://host:port/path or https://…");
    const size_t path_start = rest.find('/');
    std::string_view authority = rest.substr(0, path_start);
    std::string_view path = path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
    if (authority.find('@') != std::string_view::npos) return bad("user info is not supported; pass the token apart");
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const size_t close = authority.find(']');
        if (close == std::string_view::npos) return bad("unclosed '[' in the host");
        endpoint.host = std::string(authority.substr(1, close - 1));
        if (!is_ipv6(endpoint.host)) return bad(quoted_excerpt(endpoint.host) + " is not an IPv6 address");
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return bad("unexpected text after ']'");
            port_text = after.substr(1);
            if (port_text.empty()) return bad("empty port");
        }
    } else {
        const size_t colon = authority.rfind(':');
        endpoint.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port_text = authority.substr(colon + 1);
            if (port_text.empty()) return bad("empty port");
        }
        if (!is_ipv4(endpoint.host) && !is_dns_name(endpoint.host))
            return bad(quoted_excerpt(endpoint.host) + " is not a host name or IPv4 address");
    }
    if (port_text.empty())
        endpoint.port = endpoint.scheme == "https" ? 443 : 80;
    else if (!parse_port(port_text, endpoint.port))
        return bad(quoted_excerpt(port_text, 20) + " is not a TCP port (1-65535)");
    if (path.empty() || path == "/")
        endpoint.path = std::string(default_path);
    else if (!is_request_path(path))
        return bad("the path has spaces, a query or a fragment");
    else
        endpoint.path = std::string(path);
    if (auto checked = check_api_token(token); !checked) return checked.error();
    endpoint.token = std::string(token);
    return endpoint;
}

Result<ApiEndpoint> parse_api_info(std::string_view api_info, std::string_view default_path)
{
    if (!is_request_path(default_path))
        return make_error(Errc::invalid_argument, "the default API path must start with '/'");
    std::string_view token;
    std::string_view address = api_info;
    if (!api_info.empty() && api_info.front() != '/') {
        const size_t colon = api_info.find(':');
        if (colon != std::string_view::npos && colon > 0 && api_info.substr(colon + 1, 2) != "//") {
            token = api_info.substr(0, colon);
            address = api_info.substr(colon + 1);
        }
    }
    // Messages show the address only: the token is a secret.
    if (address.empty()) return bad_info(address, "no address (want TOKEN:/ip4/<address>/tcp/<port>/http)");
    if (auto checked = check_api_token(token); !checked) return bad_info("TOKEN:…", checked.error().message);
    if (address.front() != '/') {
        return parse_api_url(address, token, default_path);
    }
    auto endpoint = parse_multiaddr(address, default_path);
    if (!endpoint) return endpoint.error();
    endpoint->token = std::string(token);
    return endpoint;
}

} // namespace dmc::service::chain
