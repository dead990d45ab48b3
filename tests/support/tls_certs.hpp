// SPDX-License-Identifier: Apache-2.0
//
// Certificates for tests that run daemons over https, made with the openssl
// command line as an operator would: a self-signed CA, and a server
// certificate it signed for the given IP addresses (subjectAltName), so that
// clients check both the chain and the address they dialled.
#pragma once

#include <string>
#include <vector>

namespace dmc::test {

struct TestCerts {
    std::string ca_cert;      // the CA (self-signed)
    std::string server_cert;  // the server certificate alone
    std::string server_chain; // server certificate then the CA: what [rpc] tls_cert names
    std::string server_key;   // its private key (unencrypted)
    std::string other_ca;     // an unrelated CA: trusting it must fail
};

// Writes the files into `dir`; the server certificate is valid for
// `ip_addresses` (127.0.0.1 is always included). Throws with openssl's
// output when a step fails.
TestCerts make_test_certs(const std::string &dir, const std::vector<std::string> &ip_addresses = {});

} // namespace dmc::test
