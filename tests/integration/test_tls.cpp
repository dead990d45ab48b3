// SPDX-License-Identifier: Apache-2.0
//
// TLS where traffic leaves the host (docs/architecture.md §8.10): a CA and a
// server certificate made with the openssl command line; the manager serves
// its RPC and piece store over https ([rpc] tls_cert/tls_key), the worker its
// admin API ([worker.rpc_server] tls_cert/tls_key) and trusts the manager
// through [sealer_rpc] ca_file. A deal sector is rebuilt with its piece
// from the manager's piece store; the CLI trusts the manager's own
// certificate; a client without the CA is refused with one clear line.
#include <catch2/catch.hpp>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "manager_fixture.hpp"
#include "service/rpc/json_rpc.hpp"
#include "tls_certs.hpp"
#include "worker_fixture.hpp"

using namespace dmc::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char *kTicket = "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0";

std::string parent_cache_dir()
{
    static TempDir dir("parents-tls");
    return dir.path();
}

// The one line a failing command printed on stderr (logs excluded).
std::string last_line(const std::string &text)
{
    std::string t = text;
    while (!t.empty() && t.back() == '\n') t.pop_back();
    const auto nl = t.rfind('\n');
    return nl == std::string::npos ? t : t.substr(nl + 1);
}

} // namespace

TEST_CASE("tls: manager and worker over https rebuild a deal sector; clients without the CA are refused", "[tls]")
{
    TempDir dir("tls");
    const TestCerts certs = make_test_certs(dir.path());
    const std::string store = dir / "store", pieces = dir / "pieces";
    fs::create_directories(store);
    fs::create_directories(pieces);
    ManagerFixture m("[[Miners]]\nActor = 1002\n\n[Common]\nPieceStores = [\"" + pieces +
                     "\"]\n\n[[Common.PersistStores]]\nName = \"store-a\"\nPath = \"" + store +
                     "\"\n\n[rpc]\ntls_cert = \"" + certs.server_chain + "\"\ntls_key = \"" + certs.server_key +
                     "\"\n");
    REQUIRE(m.address().rfind("https://127.0.0.1:", 0) == 0);

    // The CLI trusts the certificate named by [rpc] tls_cert, or --ca-file.
    auto listed = m.cli({"util", "storage", "list"});
    INFO(listed.err);
    CHECK(listed.exit_code == 0);
    CHECK(listed.out.find("store-a:") != std::string::npos);
    CHECK(m.cli({"--ca-file", certs.ca_cert, "util", "storage", "list"}).exit_code == 0);
    // Without the CA (another one, or the system's): refused, one line saying what to do.
    auto untrusted = m.cli({"--ca-file", certs.other_ca, "util", "storage", "list"});
    CHECK(untrusted.exit_code == 1);
    CHECK_THAT(last_line(untrusted.err),
               Catch::Contains("server certificate is not trusted") && Catch::Contains("--ca-file"));
    auto system_cas = dmc::service::rpc::Client(m.address(), m.token(), 10).call("Venus.Version", json::array());
    REQUIRE_FALSE(system_cas.ok());
    CHECK_THAT(system_cas.error().message, Catch::Contains("not trusted"));
    // Plain http to the https port gets nothing.
    const std::string host_port = m.address().substr(std::string("https://").size());
    CHECK_FALSE(dmc::service::rpc::Client(host_port, m.token(), 5).call("Venus.Version", json::array()).ok());

    // A deal sector whose piece only the manager's piece store has.
    std::string data(2032, '\0');
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + 3);
    write_text(dir / "piece.bin", data);
    auto sealed =
        run({damocles_run(), "seal", "--proof", "StackedDrg2KiBV1_1", "--miner", "1002", "--sector", "1", "--ticket",
             kTicket, "--piece", dir / "piece.bin", "--out", store, "--parent-cache", parent_cache_dir(), "--json"});
    REQUIRE(sealed.exit_code == 0);
    json sector = json::parse(sealed.out)["sector"];
    sector["store"] = "store-a";
    sector["pieces"][0]["source"] = nullptr;
    const std::string cid = sector["pieces"][0]["cid"];
    write_text(pieces + "/" + cid, data);
    write_text(dir / "import.json", json{{"sectors", json::array({sector})}}.dump());
    REQUIRE(m.cli({"util", "sealer", "sectors", "import", dir / "import.json"}).exit_code == 0);
    const std::string id = "s-t01002-1";
    const std::string original = slurp(store + "/sealed/" + id);
    fs::remove_all(store + "/sealed/" + id);
    fs::remove_all(store + "/cache/" + id);

    WorkerSpec spec;
    spec.stores = {{"store-a", store}};
    spec.parent_cache = parent_cache_dir();
    spec.manager_ca_file = certs.ca_cert;
    spec.admin_tls_cert = certs.server_chain;
    spec.admin_tls_key = certs.server_key;
    WorkerFixture w(m, spec, dir);
    w.start();
    REQUIRE(w.address().rfind("https://127.0.0.1:", 0) == 0);
    REQUIRE(m.cli({"util", "sealer", "sectors", "rebuild", "1002", "1"}).exit_code == 0);
    dmc::service::rpc::Client c(m.address(), m.token(), 10, certs.ca_cert);
    const bool finished = wait_until(
        [&] {
            auto s = c.call("Venus.FindSectorInAllStates", json::array({1002, 1}));
            return s.ok() && !(*s)["need_rebuild"].get<bool>() && !(*s)["online"].get<bool>();
        },
        std::chrono::seconds(90));
    INFO(w.log());
    REQUIRE(finished);
    CHECK(slurp(store + "/sealed/" + id) == original);
    CHECK(w.log().find("piece " + cid + " from manager piece store " + m.address() + "/piecestore/" + cid) !=
          std::string::npos);

    // The worker's admin API: https, its token, its certificate.
    auto list = w.cli({"list"});
    CHECK(list.exit_code == 0);
    CHECK(list.out.rfind("#0: ", 0) == 0);
    auto admin_untrusted = run({damocles_worker(), "worker", "-H", w.address(), "--token-file", w.token_file(),
                                "--ca-file", certs.other_ca, "list"});
    CHECK(admin_untrusted.exit_code != 0);
    CHECK_THAT(last_line(admin_untrusted.err), Catch::Contains("not trusted"));
}

TEST_CASE("tls: a certificate without its key, or a key that does not match, is one line naming the keys", "[tls]")
{
    TempDir dir("tls-bad");
    const TestCerts certs = make_test_certs(dir.path());
    const std::string home = dir / "home";
    fs::create_directories(home);
    write_text(home + "/config.toml", "[rpc]\ntls_cert = \"" + certs.server_chain + "\"\n");
    auto alone = run({damocles_manager(), "--home", home, "daemon", "run", "--listen", "127.0.0.1:0"});
    CHECK(alone.exit_code == 2);
    CHECK_THAT(last_line(alone.err), Catch::Contains("[rpc] needs both tls_cert and tls_key"));
    write_text(home + "/config.toml",
               "[rpc]\ntls_cert = \"" + certs.server_chain + "\"\ntls_key = \"" + dir.path() + "/other-ca.key\"\n");
    auto mismatch = run({damocles_manager(), "--home", home, "daemon", "run", "--listen", "127.0.0.1:0"});
    CHECK(mismatch.exit_code == 2);
    CHECK_THAT(last_line(mismatch.err), Catch::Contains("does not match"));
}
