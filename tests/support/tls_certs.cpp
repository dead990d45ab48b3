// SPDX-License-Identifier: Apache-2.0
#include "tls_certs.hpp"

#include <stdexcept>

#include "process.hpp"

namespace dmc::test {

namespace {

void openssl(const std::vector<std::string> &args)
{
    std::vector<std::string> argv = {"/usr/bin/openssl"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run(argv);
    if (r.exit_code != 0) throw std::runtime_error("openssl " + args.front() + " failed:\n" + r.out + r.err);
}

void self_signed_ca(const std::string &key, const std::string &cert, const std::string &name)
{
    openssl({"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2", "-subj", "/CN=" + name,
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             "-keyout", key, "-out", cert});
}

} // namespace

TestCerts make_test_certs(const std::string &dir, const std::vector<std::string> &ip_addresses)
{
    TestCerts c;
    const std::string ca_key = dir + "/ca.key";
    c.ca_cert = dir + "/ca.pem";
    self_signed_ca(ca_key, c.ca_cert, "damocles-test-ca");
    c.other_ca = dir + "/other-ca.pem";
    self_signed_ca(dir + "/other-ca.key", c.other_ca, "unrelated-ca");

    c.server_key = dir + "/server.key";
    c.server_cert = dir + "/server.pem";
    const std::string csr = dir + "/server.csr", ext = dir + "/server.ext";
    std::string san = "subjectAltName=IP:127.0.0.1";
    for (const auto &ip : ip_addresses) san += ",IP:" + ip;
    write_text(ext, san + "\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
    openssl({"req", "-newkey", "rsa:2048", "-nodes", "-sha256", "-subj", "/CN=damocles-test-server", "-keyout",
             c.server_key, "-out", csr});
    openssl({"x509", "-req", "-in", csr, "-CA", c.ca_cert, "-CAkey", ca_key, "-CAcreateserial", "-days", "2", "-sha256",
             "-extfile", ext, "-out", c.server_cert});
    c.server_chain = dir + "/server-chain.pem";
    write_text(c.server_chain, slurp(c.server_cert) + slurp(c.ca_cert));
    return c;
}

} // namespace dmc::test
