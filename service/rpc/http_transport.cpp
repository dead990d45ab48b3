// SPDX-License-Identifier: Apache-2.0
#include "service/rpc/http_transport.hpp"

#include <cstdio>

#include <httplib.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

namespace dmc::service::rpc {

namespace {

struct FileCloser {
    void operator()(FILE *f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;

} // namespace

std::string HttpEndpoint::origin() const
{
    const bool v6 = host.find(':') != std::string::npos;
    return scheme + "://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<HttpEndpoint> parse_endpoint(const std::string &address, int default_port)
{
    HttpEndpoint ep;
    std::string rest = address;
    if (auto sep = rest.find("://"); sep != std::string::npos) {
        ep.scheme = rest.substr(0, sep);
        if (ep.scheme != "http" && ep.scheme != "https")
            return make_error(Errc::invalid_argument,
                              "unsupported scheme '" + ep.scheme + "' in '" + address + "' (http or https)");
        rest = rest.substr(sep + 3);
    }
    if (auto slash = rest.find('/'); slash != std::string::npos) rest = rest.substr(0, slash);
    if (rest.empty()) return make_error(Errc::invalid_argument, "empty address '" + address + "'");
    std::string port_text;
    if (rest.front() == '[') { // [v6]:port
        const auto close = rest.find(']');
        if (close == std::string::npos) return make_error(Errc::invalid_argument, "invalid address '" + address + "'");
        ep.host = rest.substr(1, close - 1);
        if (close + 1 < rest.size()) {
            if (rest[close + 1] != ':') return make_error(Errc::invalid_argument, "invalid address '" + address + "'");
            port_text = rest.substr(close + 2);
        }
    } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
        ep.host = rest.substr(0, colon);
        port_text = rest.substr(colon + 1);
        if (port_text.empty())
            return make_error(Errc::invalid_argument, "invalid address '" + address + "' (want host:port)");
    } else {
        ep.host = rest;
    }
    if (ep.host.empty()) return make_error(Errc::invalid_argument, "invalid address '" + address + "' (no host)");
    ep.port = default_port >= 0 ? default_port : ep.tls() ? 443 : 80;
    if (!port_text.empty()) {
        if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos)
            return make_error(Errc::invalid_argument, "invalid port in '" + address + "'");
        ep.port = std::stoi(port_text);
    }
    if (ep.port < 0 || ep.port > 65535) return make_error(Errc::invalid_argument, "invalid port in '" + address + "'");
    return ep;
}

Status check_server_tls(const ServerTls &tls, const std::string &where)
{
    if (!tls.enabled()) return {};
    if (tls.cert_file.empty() || tls.key_file.empty())
        return make_error(Errc::invalid_argument, where + ": set both the certificate and the key, or neither");
    File cert_file(std::fopen(tls.cert_file.c_str(), "r"));
    if (!cert_file) return make_error(Errc::invalid_argument, where + ": cannot read certificate " + tls.cert_file);
    std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_X509(cert_file.get(), nullptr, nullptr, nullptr),
                                                     X509_free);
    if (!cert) return make_error(Errc::invalid_argument, where + ": " + tls.cert_file + " is not a PEM certificate");
    File key_file(std::fopen(tls.key_file.c_str(), "r"));
    if (!key_file) return make_error(Errc::invalid_argument, where + ": cannot read private key " + tls.key_file);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_PrivateKey(key_file.get(), nullptr, nullptr, nullptr), EVP_PKEY_free);
    if (!key)
        return make_error(Errc::invalid_argument,
                          where + ": " + tls.key_file + " is not an unencrypted PEM private key");
    if (X509_check_private_key(cert.get(), key.get()) != 1)
        return make_error(Errc::invalid_argument,
                          where + ": the private key " + tls.key_file + " does not match " + tls.cert_file);
    return {};
}

Result<std::unique_ptr<httplib::Server>> make_http_server(const ServerTls &tls, const std::string &where)
{
    if (!tls.enabled()) return std::make_unique<httplib::Server>();
    DMC_TRY_VOID(check_server_tls(tls, where));
    auto server = std::make_unique<httplib::SSLServer>(tls.cert_file.c_str(), tls.key_file.c_str());
    if (!server->is_valid())
        return make_error(Errc::invalid_argument, where + ": OpenSSL refused " + tls.cert_file + " / " + tls.key_file);
    return std::unique_ptr<httplib::Server>(std::move(server));
}

std::unique_ptr<httplib::Client> make_http_client(const HttpEndpoint &endpoint, const std::string &ca_file)
{
    auto client = std::make_unique<httplib::Client>(endpoint.origin());
    if (endpoint.tls()) {
        client->enable_server_certificate_verification(true);
        if (!ca_file.empty()) client->set_ca_cert_path(ca_file.c_str());
    }
    return client;
}

std::string describe_http_error(httplib::Error error, const HttpEndpoint &endpoint, const httplib::Client &client)
{
    const std::string where = endpoint.origin();
    switch (error) {
    case httplib::Error::SSLServerVerification: {
        const long verify = client.get_openssl_verify_result();
        const std::string why =
            verify != X509_V_OK ? X509_verify_cert_error_string(verify) : "its name does not match " + endpoint.host;
        return "TLS to " + where + " refused: the server certificate is not trusted (" + why +
               "); give its CA certificate (--ca-file, or ca_file in the config)";
    }
    case httplib::Error::SSLLoadingCerts:
        return "TLS to " + where + ": cannot load the CA file (is it a PEM certificate?)";
    case httplib::Error::SSLConnection: return "TLS handshake with " + where + " failed: is it an https server?";
    case httplib::Error::Read:
        if (!endpoint.tls()) return "cannot read from " + where + " (Read): is it an http server, not https?";
        return "cannot read from " + where + " (Read)";
    default: return "cannot reach " + where + " (" + httplib::to_string(error) + ")";
    }
}

} // namespace dmc::service::rpc
