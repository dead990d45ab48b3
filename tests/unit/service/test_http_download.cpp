// SPDX-License-Identifier: Apache-2.0
//
// Piece downloads are bounded (docs/architecture.md §8.7), against hostile
// servers this test starts on 127.0.0.1: one that sends an endless body,
// one that announces too much, one that trickles, one that redirects to
// another port, and one that records the Authorization header it gets (the
// manager's token goes to its own piece store only, never to a recorded
// URL).
#include <catch2/catch.hpp>

#include <filesystem>
#include <mutex>
#include <thread>

#include <httplib.h>

#include "damocles/core/internal/piece_sources.hpp"
#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/comm_p.hpp"
#include "process.hpp"
#include "service/worker/http_download.hpp"
#include "service/worker/piece_fetcher.hpp"

using namespace dmc;
using namespace dmc::service;
using dmc::test::TempDir;
namespace fs = std::filesystem;

namespace {

// An httplib server on 127.0.0.1, any free port, stopped at the end.
class TestServer {
public:
    TestServer()
    {
        port_ = server_.bind_to_any_port("127.0.0.1");
        REQUIRE(port_ > 0);
    }
    ~TestServer() { stop(); }
    void start()
    {
        thread_ = std::thread([this] { server_.listen_after_bind(); });
        // stop() before the loop runs would be lost: wait until it does.
        while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    void stop()
    {
        server_.stop();
        if (thread_.joinable()) thread_.join();
    }
    httplib::Server &http() { return server_; }
    std::string origin() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::string host_port() const { return "127.0.0.1:" + std::to_string(port_); }

private:
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
};

DownloadLimits limits(uint64_t max_bytes, int total_seconds = 20)
{
    DownloadLimits l;
    l.max_bytes = max_bytes;
    l.total_timeout = std::chrono::seconds(total_seconds);
    l.read_timeout = std::chrono::seconds(30);
    return l;
}

std::vector<std::string> entries(const std::string &dir)
{
    std::vector<std::string> out;
    for (const auto &e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    return out;
}

std::string piece_data()
{
    std::string data(1016, '\0'); // a 1KiB piece holds 1016 bytes
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 31 + 7);
    return data;
}

core::PieceRecord piece_record(const std::string &data)
{
    auto info = compute_comm_p(std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(data.data()), data.size()));
    REQUIRE(info.ok());
    core::PieceRecord p;
    p.cid = commitment_to_cid(info->comm, CommitmentKind::unsealed);
    p.size = info->padded_size;
    return p;
}

} // namespace

TEST_CASE("download: an endless body is refused while it streams, nothing is written", "[service][download]")
{
    TestServer server;
    std::atomic<uint64_t> sent{0};
    server.http().Get("/endless", [&](const httplib::Request &, httplib::Response &res) {
        res.set_chunked_content_provider("application/octet-stream", [&](size_t, httplib::DataSink &sink) {
            const std::string block(4096, 'x');
            sent += block.size();
            return sink.write(block.data(), block.size());
        });
    });
    server.http().Get("/announced", [](const httplib::Request &, httplib::Response &res) {
        res.set_content(std::string(5000, 'y'), "application/octet-stream");
    });
    server.start();
    TempDir dir("download");
    const std::string dest = dir / "piece";
    auto endless = http_download(server.origin() + "/endless", {}, limits(1016), dest);
    REQUIRE_FALSE(endless.ok());
    CHECK(endless.error().code == Errc::verify_failed);
    CHECK_THAT(endless.error().message, Catch::Contains("more than the piece's 1016 bytes"));
    auto announced = http_download(server.origin() + "/announced", {}, limits(1016), dest);
    REQUIRE_FALSE(announced.ok());
    CHECK_THAT(announced.error().message, Catch::Contains("announces 5000 bytes"));
    CHECK(entries(dir.path()).empty()); // no file, no temporary
    server.stop();
    // The server stopped writing soon after the client hung up: the client
    // read a bounded amount, not the endless stream.
    CHECK(sent.load() < 64u << 20);
}

TEST_CASE("download: a trickling server is cut at the total deadline", "[service][download]")
{
    TestServer server;
    std::atomic<bool> stopping{false};
    server.http().Get("/trickle", [&](const httplib::Request &, httplib::Response &res) {
        res.set_chunked_content_provider("application/octet-stream", [&](size_t, httplib::DataSink &sink) {
            // One byte every 200 ms: each read is quick, the whole never ends.
            for (int i = 0; i < 10 && !stopping; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
            return !stopping && sink.write("z", 1);
        });
    });
    server.start();
    TempDir dir("download");
    auto trickled = http_download(server.origin() + "/trickle", {}, limits(1016, 2), dir / "piece");
    stopping = true;
    REQUIRE_FALSE(trickled.ok());
    CHECK(trickled.error().code == Errc::io);
    CHECK_THAT(trickled.error().message, Catch::Contains("not finished after 2 s ([sealing] piece_fetch_timeout)"));
    CHECK(entries(dir.path()).empty());
}

TEST_CASE("download: redirects are followed on the same origin only", "[service][download]")
{
    const std::string data = piece_data();
    TestServer other;
    std::atomic<int> other_hits{0};
    other.http().Get("/piece", [&](const httplib::Request &, httplib::Response &res) {
        ++other_hits;
        res.set_content(data, "application/octet-stream");
    });
    other.start();
    TestServer server;
    server.http().Get("/piece", [&](const httplib::Request &, httplib::Response &res) {
        res.set_content(data, "application/octet-stream");
    });
    server.http().Get("/moved", [](const httplib::Request &, httplib::Response &res) { res.set_redirect("/piece"); });
    server.http().Get("/elsewhere", [&](const httplib::Request &, httplib::Response &res) {
        res.set_redirect(other.origin() + "/piece");
    });
    server.start();
    TempDir dir("download");
    REQUIRE(http_download(server.origin() + "/moved", {}, limits(1016), dir / "same").ok());
    CHECK(test::slurp(dir / "same") == data);
    auto elsewhere = http_download(server.origin() + "/elsewhere", {"secret", ""}, limits(1016), dir / "other");
    REQUIRE_FALSE(elsewhere.ok());
    CHECK_THAT(elsewhere.error().message, Catch::Contains("redirect to '" + other.origin() + "/piece' refused") &&
                                              Catch::Contains("same scheme, host and port"));
    CHECK(other_hits.load() == 0);
    CHECK_FALSE(fs::exists(dir / "other"));
}

TEST_CASE("download: the manager's token goes to its piece store only, never to a recorded URL", "[service][download]")
{
    const std::string data = piece_data();
    core::PieceRecord piece = piece_record(data);
    std::mutex mutex;
    std::vector<std::string> manager_auth, recorded_auth;
    TestServer manager;
    manager.http().Get(R"(/piecestore/(.+))", [&](const httplib::Request &req, httplib::Response &res) {
        std::lock_guard lock(mutex);
        manager_auth.push_back(req.get_header_value("Authorization"));
        res.status = 404; // the manager does not have it: the recorded URL is next
    });
    manager.start();
    TestServer third_party;
    third_party.http().Get("/deal.car", [&](const httplib::Request &req, httplib::Response &res) {
        std::lock_guard lock(mutex);
        recorded_auth.push_back(req.has_header("Authorization") ? req.get_header_value("Authorization") : "(none)");
        res.set_content(data, "application/octet-stream");
    });
    third_party.start();
    piece.source = third_party.origin() + "/deal.car";

    TempDir dir("download");
    auto sources = worker_piece_sources({}, {manager.host_port(), "manager-secret", ""}, std::chrono::seconds(20));
    auto fetched = core::fetch_piece(piece, sources, dir / "pieces");
    INFO((fetched ? std::string() : fetched.error().message));
    REQUIRE(fetched.ok());
    CHECK(fetched->source == *piece.source);
    CHECK(test::slurp(fetched->path) == data);
    std::lock_guard lock(mutex);
    CHECK(manager_auth == std::vector<std::string>{"Bearer manager-secret"});
    CHECK(recorded_auth == std::vector<std::string>{"(none)"});
}

TEST_CASE("download: schemes other than file, http and https are refused by name", "[service][download]")
{
    const std::string data = piece_data();
    core::PieceRecord piece = piece_record(data);
    piece.source = "ftp://127.0.0.1/deal.car";
    TempDir dir("download");
    auto sources = worker_piece_sources({}, {"", "", ""}, std::chrono::seconds(5));
    auto fetched = core::fetch_piece(piece, sources, dir / "pieces");
    REQUIRE_FALSE(fetched.ok());
    CHECK_THAT(fetched.error().message, Catch::Contains("ftp://127.0.0.1/deal.car: unsupported scheme"));
    auto direct = http_download("ftp://127.0.0.1/deal.car", {}, limits(1016), dir / "x");
    REQUIRE_FALSE(direct.ok());
    CHECK_THAT(direct.error().message, Catch::Contains("unsupported scheme 'ftp'"));
}
