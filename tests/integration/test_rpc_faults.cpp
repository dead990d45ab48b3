// SPDX-License-Identifier: Apache-2.0
//
// Hostile JSON-RPC: malformed, oversize and deeply nested requests, every
// manager method with params of the wrong shape, token variants and lying
// Content-Length, and garbage sent to the worker admin API (with and without
// its token). Each gets an error and the daemon keeps serving.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <filesystem>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "manager_fixture.hpp"
#include "ops_support.hpp"
#include "worker_fixture.hpp"

using namespace dmc::test;
using namespace dmc::test::ops;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// POST /rpc/v0 with a raw body; the HTTP status and parsed answer.
struct Answer {
    int status = 0;
    json body;
    int code() const { return body.is_object() && body.contains("error") ? body["error"].value("code", 0) : 0; }
};

Answer post(const std::string &address, const std::string &token, const std::string &body)
{
    auto hp = dmc::service::rpc::parse_host_port(address, 0);
    REQUIRE(hp.ok());
    httplib::Client c(hp->first, hp->second);
    c.set_read_timeout(30, 0);
    if (!token.empty()) c.set_bearer_token_auth(token.c_str());
    auto res = c.Post("/rpc/v0", body, "application/json");
    Answer a;
    if (!res) return a;
    a.status = res->status;
    a.body = json::parse(res->body, nullptr, false);
    return a;
}

std::string call_text(const std::string &method, const std::string &params)
{
    return R"({"jsonrpc":"2.0","id":7,"method":")" + method + R"(","params":)" + params + "}";
}

} // namespace

TEST_CASE("faults: malformed, hostile and oversize JSON-RPC get errors and never stop the manager", "[faults][rpc]")
{
    // Complements "manager: JSON-RPC rejects bad tokens and malformed
    // requests" (test_manager_cli.cpp): every method with wrong params,
    // batches, deep nesting, token variants, lying Content-Length.
    ManagerFixture m("[[Miners]]\nActor = 1001\n");
    const std::string addr = m.address(), token = m.token();

    CHECK(post(addr, token, "[" + call_text("Venus.Version", "[]") + "]").code() == -32600); // batches: not served
    CHECK(post(addr, token, "").code() == -32700);
    CHECK(post(addr, token, std::string("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"Venus.Version\0\"}", 45)).code() ==
          -32700);
    CHECK(post(addr, token, R"({"jsonrpc":"2.0","id":{"x":1},"method":"Venus.Version"})").code() == -32600);
    CHECK(post(addr, token, R"({"jsonrpc":"1.0","id":1,"method":"Venus.Version"})").code() == -32600);
    CHECK(post(addr, token, R"({"jsonrpc":"2.0","id":1,"method":42})").code() == -32600);
    CHECK(post(addr, token, call_text("Venus.Version", "\"text\"")).code() == -32602);
    CHECK(post(addr, token, "\"\\ud800\"").code() == -32700); // a lone surrogate is not JSON text
    // Deep nesting at the top level is refused before any copy of it (see
    // the next case for nesting inside params).
    const size_t depth = 200000;
    // (-32700 from the parser, or -32600 once bodies are depth-checked first.)
    const int unclosed = post(addr, token, std::string(depth, '[')).code();
    CHECK((unclosed == -32700 || unclosed == -32600));
    CHECK(post(addr, token, std::string(depth, '[') + std::string(depth, ']')).code() == -32600);
    const std::string deep = std::string(1000, '[') + std::string(1000, ']');
    const int nested = post(addr, token, call_text("Venus.SectorsImport", "[{\"sectors\":" + deep + "}]")).code();
    CHECK((nested == -32602 || nested == -32600));

    // Every method with params of the wrong shape or range.
    const std::vector<std::string> methods = {"Venus.SectorsImport",
                                              "Venus.SectorSetForRebuild",
                                              "Venus.SectorRebuildCancel",
                                              "Venus.FindSectorInAllStates",
                                              "Venus.ListSectors",
                                              "Venus.RebuildQueue",
                                              "Venus.AllocateRebuildSector",
                                              "Venus.ReportState",
                                              "Venus.ReportFinalized",
                                              "Venus.ReportAborted",
                                              "Venus.StoreReserveSpace",
                                              "Venus.SubmitPersistedEx",
                                              "Venus.WorkerPing",
                                              "Venus.WorkerList",
                                              "Venus.StoreList",
                                              "Venus.StoreAttach"};
    const std::vector<std::string> shapes = {
        "[]",
        "[null]",
        "[\"x\"]",
        "[{}]",
        "{}",
        "[-1,-1,-1,-1,-1]",
        "[1e308,1e308,1e308]",
        "[18446744073709551615,18446744073709551615,18446744073709551615,18446744073709551615]",
        "[1001,1,1,{\"progress\":\"x\"},true]",
        "[1001,1,4096,\"store\"]",
        "[{\"name\":\"w\",\"threads\":-1,\"thread_rows\":" + deep + "}]",
        "[{\"name\":\"s\",\"path\":\"/nonexistent\",\"weight\":\"heavy\"}]",
        "[{\"AllowedMiners\":\"all\",\"AllowedProofTypes\":[-3]}]",
        "[[[[[]]]]]"};
    size_t answered = 0;
    for (const auto &method : methods)
        for (const auto &shape : shapes) {
            INFO(method << " " << shape.substr(0, 80));
            Answer a = post(addr, token, call_text(method, shape));
            CHECK(a.status == 200);
            answered += a.body.is_object() && (a.body.contains("result") || a.body.contains("error"));
        }
    CHECK(answered == methods.size() * shapes.size());

    // Tokens: only "Bearer <token>" exactly.
    for (const std::string &t : {std::string(), std::string(" ") + token, token.substr(1), token + "0"}) {
        httplib::Client c(dmc::service::rpc::parse_host_port(addr, 0)->first,
                          dmc::service::rpc::parse_host_port(addr, 0)->second);
        auto res = c.Post("/rpc/v0", httplib::Headers{{"Authorization", "Bearer " + t}},
                          call_text("Venus.Version", "[]"), "application/json");
        REQUIRE(res);
        CHECK(res->status == 401);
    }
    httplib::Client lower(dmc::service::rpc::parse_host_port(addr, 0)->first,
                          dmc::service::rpc::parse_host_port(addr, 0)->second);
    auto lowered = lower.Post("/rpc/v0", httplib::Headers{{"Authorization", "bearer " + token}},
                              call_text("Venus.Version", "[]"), "application/json");
    REQUIRE(lowered);
    CHECK(lowered->status == 401);

    // A Content-Length far above the limit, or one that lies (the client
    // hangs up early): the server drops the connection, allocates nothing,
    // and goes on. (httplib drains an oversize body before it answers 413,
    // so the client hangs up rather than wait for its read timeout.)
    auto hp = dmc::service::rpc::parse_host_port(addr, 0);
    for (const std::string &length : {std::string("107374182400"), std::string("1000")}) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(static_cast<uint16_t>(hp->second));
        ::inet_pton(AF_INET, hp->first.c_str(), &sa.sin_addr);
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) == 0);
        std::string req = "POST /rpc/v0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
                          "\r\nContent-Length: " + length + "\r\n\r\n{\"jsonrpc\"";
        REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
        ::shutdown(fd, SHUT_WR);
        char buf[256] = {};
        CHECK(::recv(fd, buf, sizeof buf - 1, 0) >= 0);
        ::close(fd);
    }

    auto still = dmc::service::rpc::Client(addr, token).call("Venus.Version", json::array());
    CHECK(still.ok());
    const std::string text = scrape(addr);
    CHECK(counter(text, "dmc_http_responses_total{daemon=\"manager\",code=\"401\"}") >= 5);
    CHECK(counter(text, "dmc_rpc_errors_total{side=\"server\",method=\"Venus.ReportState\"}") >= 1);
    CHECK(m.log().find("terminate") == std::string::npos);
}

TEST_CASE("faults: JSON-RPC params nested 200000 deep are refused without crashing the manager", "[faults][rpc]")
{
    // Dispatcher::handle copies the params and Venus.WorkerPing dumps
    // thread_rows, both recursively: a body nested ~100k deep would
    // overflow an HTTP thread's stack. Bodies deeper than kMaxNesting are
    // refused before parsing.
    ManagerFixture m("[[Miners]]\nActor = 1001\n");
    const std::string deep = std::string(200000, '[') + std::string(200000, ']');
    Answer a = post(m.address(), m.token(), call_text("Venus.Version", "[" + deep + "]"));
    CHECK(a.code() == -32600);
    Answer b =
        post(m.address(), m.token(), call_text("Venus.WorkerPing", "[{\"name\":\"w\",\"thread_rows\":" + deep + "}]"));
    CHECK(b.code() != 0);
    CHECK(dmc::service::rpc::Client(m.address(), m.token()).call("Venus.Version", json::array()).ok());
}

TEST_CASE("faults: the worker admin API answers garbage with errors and keeps serving", "[faults][rpc]")
{
    TempDir dir("admin-faults");
    const std::string store = dir / "store";
    fs::create_directories(store);
    ManagerFixture m("[[Miners]]\nActor = 1001\n\n[[Common.PersistStores]]\nName = \"store-a\"\nPath = \"" + store +
                     "\"\n");
    WorkerSpec spec;
    spec.stores = {{"store-a", store}};
    spec.parent_cache = parent_cache_dir();
    WorkerFixture w(m, spec, dir);
    w.start();
    const std::string addr = w.address(), token = w.token();
    CHECK(post(addr, "", call_text("VenusWorker.WorkerList", "[]")).status == 401);
    CHECK(post(addr, token, "{not json").code() == -32700);
    CHECK(post(addr, token, call_text("VenusWorker.Nope", "[]")).code() == -32601);
    CHECK(post(addr, token, "[" + call_text("VenusWorker.WorkerList", "[]") + "]").code() == -32600);
    for (const char *shape : {"[]", "[\"0\"]", "[-1]", "[99]", "[1.5]", "{}", "[null]"}) {
        INFO(shape);
        CHECK(post(addr, token, call_text("VenusWorker.WorkerPause", shape)).code() == -32602);
        CHECK(post(addr, token, call_text("VenusWorker.WorkerResume", shape)).code() != 0);
    }
    CHECK(post(addr, token, std::string(1u << 21, ' ')).status == 413); // the admin API takes 1 MiB at most
    const int unclosed = post(addr, token, std::string(200000, '[')).code();
    CHECK((unclosed == -32700 || unclosed == -32600));
    auto list = dmc::service::rpc::Client(addr, token, 10).call("VenusWorker.WorkerList", json::array());
    REQUIRE(list.ok());
    CHECK(list->size() == 1);
    CHECK(w.running());
    const std::string text = scrape(addr);
    CHECK(counter(text, "dmc_http_responses_total{daemon=\"worker\",code=\"413\"}") == 1);
    CHECK(counter(text, "dmc_rpc_errors_total{side=\"server\",method=\"VenusWorker.WorkerPause\"}") == 7);
}
