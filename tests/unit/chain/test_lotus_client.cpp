// SPDX-License-Identifier: Apache-2.0
//
// The JSON-RPC client against the Lotus stub: what each failure says. A
// refused token, nothing listening, a server too slow, malformed or hostile
// bodies, JSON-RPC error objects: each is one error that names the node
// (host:port) and the method.
#include <catch2/catch.hpp>

#include <thread>

#include "lotus_stub.hpp"
#include "service/chain/full_node_client.hpp"
#include "service/chain/miner_client.hpp"

using namespace dmc;
using namespace dmc::service::chain;
using dmc::test::LotusStub;
using dmc::test::LotusStubFault;
using nlohmann::json;

namespace {

struct StubFixture {
    LotusStub stub;
    explicit StubFixture(dmc::test::LotusStubOptions options = {}) : stub(std::move(options))
    {
        REQUIRE(stub.start().ok());
    }
    FullNodeClient node(RpcOptions options = {}) const
    {
        auto client = FullNodeClient::from_api_info(stub.api_info(), options);
        REQUIRE(client.ok());
        return *client;
    }
    std::string prefix(const char *method) const { return "lotus " + stub.host_port() + ": Filecoin." + method + ": "; }
};

LotusStubFault raw_body(std::string body, int status = 200)
{
    LotusStubFault fault;
    fault.raw_body = std::move(body);
    fault.http_status = status;
    return fault;
}

} // namespace

TEST_CASE("chain client: a call that works sends Lotus' request and decodes the answer", "[chain][client]")
{
    StubFixture fixture;
    auto node = fixture.node();
    auto name = node.state_network_name();
    REQUIRE(name.ok());
    CHECK(*name == "localnet");
    auto head = node.chain_head();
    REQUIRE(head.ok());
    CHECK(head->height == 100); // no sectors: head = 0 + 100
    auto version = node.state_network_version(head->key);
    REQUIRE(version.ok());
    CHECK(*version == 24);
    // The tipset key went out as Lotus expects it: an array of {"/": cid}.
    CHECK(fixture.stub.last_params("StateNetworkVersion") == json::array({json::array({{{"/", head->key.cids[0]}}})}));
    CHECK(node.rpc().node_name() == "lotus " + fixture.stub.host_port());
}

TEST_CASE("chain client: a refused token says so, with node and method", "[chain][client]")
{
    StubFixture fixture;
    auto endpoint = parse_api_info("wrong-token:/ip4/127.0.0.1/tcp/" + std::to_string(fixture.stub.port()) + "/http",
                                   kFullNodeRpcPath);
    REQUIRE(endpoint.ok());
    auto node = FullNodeClient::from_endpoint(*endpoint);
    auto info = node.state_sector_get_info({1000, 't'}, 1, {});
    REQUIRE_FALSE(info.ok());
    CHECK(info.error().message == fixture.prefix("StateSectorGetInfo") + "401 Unauthorized (check the token)");
    CHECK(info.error().code == Errc::invalid_argument);
    CHECK(fixture.stub.call_count("StateSectorGetInfo") == 0);
}

TEST_CASE("chain client: without a token Lotus' permission error comes through", "[chain][client]")
{
    StubFixture fixture;
    auto node = FullNodeClient::from_api_info("/ip4/127.0.0.1/tcp/" + std::to_string(fixture.stub.port()) + "/http");
    REQUIRE(node.ok());
    auto head = node->chain_head();
    REQUIRE_FALSE(head.ok());
    CHECK(head.error().message ==
          fixture.prefix("ChainHead") + "JSON-RPC error 1: missing permission to invoke 'ChainHead' (need 'read')");
}

TEST_CASE("chain client: nothing listening names host:port and the method", "[chain][client]")
{
    int closed_port = 0;
    {
        LotusStub stub;
        REQUIRE(stub.start().ok());
        closed_port = stub.port();
    }
    auto endpoint = parse_api_url("http://127.0.0.1:" + std::to_string(closed_port) + "/rpc/v0", "tok", kMinerRpcPath);
    REQUIRE(endpoint.ok());
    auto miner = MinerClient::from_endpoint(*endpoint);
    auto list = miner.sectors_list();
    REQUIRE_FALSE(list.ok());
    CHECK_THAT(list.error().message, Catch::StartsWith("lotus-miner 127.0.0.1:" + std::to_string(closed_port) +
                                                       ": Filecoin.SectorsList: connection refused"));
    CHECK(list.error().code == Errc::io);
}

TEST_CASE("chain client: a slow node ends in a timeout error", "[chain][client]")
{
    StubFixture fixture;
    LotusStubFault slow;
    slow.delay = std::chrono::seconds(30);
    fixture.stub.set_fault("ChainHead", slow);
    RpcOptions options;
    options.total_timeout = std::chrono::milliseconds(300);
    auto head = fixture.node(options).chain_head();
    REQUIRE_FALSE(head.ok());
    CHECK(head.error().message == fixture.prefix("ChainHead") + "no answer within 300 ms (timed out)");
    CHECK(fixture.stub.call_count("ChainHead") == 1);
}

TEST_CASE("chain client: a node that trickles its answer hits the total deadline", "[chain][client]")
{
    StubFixture fixture;
    LotusStubFault trickle = raw_body(R"({"jsonrpc":"2.0","result":"localnet","id":1})");
    trickle.trickle = std::chrono::milliseconds(100); // about 5 s in all, each byte well within a read timeout
    fixture.stub.set_fault("StateNetworkName", trickle);
    RpcOptions options;
    options.total_timeout = std::chrono::milliseconds(400);
    auto name = fixture.node(options).state_network_name();
    REQUIRE_FALSE(name.ok());
    CHECK(name.error().message == fixture.prefix("StateNetworkName") + "no answer within 400 ms (timed out)");
}

TEST_CASE("chain client: malformed JSON is a malformed-response error", "[chain][client]")
{
    StubFixture fixture;
    fixture.stub.set_fault("ChainHead", raw_body(R"({"jsonrpc":"2.0","result":{"Cids":[)"));
    auto head = fixture.node().chain_head();
    REQUIRE_FALSE(head.ok());
    CHECK(head.error().message ==
          fixture.prefix("ChainHead") + "malformed response: not JSON: {\"jsonrpc\":\"2.0\",\"result\":{\"Cids\":[");
    CHECK(head.error().code == Errc::corrupt);
}

TEST_CASE("chain client: a result of the wrong shape names the field", "[chain][client]")
{
    StubFixture fixture;
    fixture.stub.set_fault(
        "StateSectorGetInfo",
        raw_body(R"({"jsonrpc":"2.0","result":{"SectorNumber":1,"SealProof":5,"SealedCID":"bagboea"},"id":1})"));
    auto info = fixture.node().state_sector_get_info({1000, 't'}, 1, {});
    REQUIRE_FALSE(info.ok());
    CHECK(info.error().message ==
          fixture.prefix("StateSectorGetInfo") +
              "malformed response: SealedCID: expected a CID object {\"/\": \"…\"}, got a string");
}

TEST_CASE("chain client: JSON-RPC error objects keep their code and message", "[chain][client]")
{
    StubFixture fixture;
    LotusStubFault failing;
    failing.rpc_error_code = 1;
    failing.rpc_error_message = "resolution lookup failed (t09999): actor not found";
    fixture.stub.set_fault("StateSectorPreCommitInfo", failing);
    auto precommit = fixture.node().state_sector_precommit_info({9999, 't'}, 1, {});
    REQUIRE_FALSE(precommit.ok());
    CHECK(precommit.error().message == fixture.prefix("StateSectorPreCommitInfo") +
                                           "JSON-RPC error 1: resolution lookup failed (t09999): actor not found");

    // An unknown method comes back with HTTP 500 and code -32601 (go-jsonrpc).
    auto miner_only = StubFixture({.role = dmc::test::LotusStubRole::miner});
    auto endpoint = parse_api_info(miner_only.stub.api_info(), kMinerRpcPath);
    REQUIRE(endpoint.ok());
    auto head = FullNodeClient::from_endpoint(*endpoint).chain_head();
    REQUIRE_FALSE(head.ok());
    CHECK(head.error().message ==
          miner_only.prefix("ChainHead") + "JSON-RPC error -32601: method 'Filecoin.ChainHead' not found");
    CHECK(head.error().code == Errc::unsupported);

    // Wrong params (HTTP 500, -32602) also pass through.
    RpcClient rpc("lotus", *endpoint);
    auto wrong = rpc.call("SectorsStatus", json::array({1}));
    REQUIRE_FALSE(wrong.ok());
    CHECK_THAT(wrong.error().message,
               Catch::EndsWith("JSON-RPC error -32602: wrong param count (method 'Filecoin.SectorsStatus'): 1 != 2"));
}

TEST_CASE("chain client: size and nesting limits, odd statuses and ids", "[chain][client]")
{
    StubFixture fixture;
    RpcOptions small;
    small.max_response_bytes = 1024;
    fixture.stub.set_fault("StateNetworkName",
                           raw_body(R"({"jsonrpc":"2.0","result":")" + std::string(5000, 'x') + R"(","id":1})"));
    auto large = fixture.node(small).state_network_name();
    REQUIRE_FALSE(large.ok());
    CHECK(large.error().message == fixture.prefix("StateNetworkName") + "response larger than 1024 bytes (the limit)");

    fixture.stub.set_fault("ChainHead", raw_body(R"({"jsonrpc":"2.0","id":1,"result":)" + std::string(5000, '[') +
                                                 std::string(5000, ']') + "}"));
    auto deep = fixture.node().chain_head();
    REQUIRE_FALSE(deep.ok());
    CHECK(deep.error().message ==
          fixture.prefix("ChainHead") + "malformed response: JSON nested deeper than 64 levels");

    fixture.stub.set_fault("StateNetworkVersion", raw_body("<html>bad gateway</html>", 502));
    auto proxy = fixture.node().state_network_version({});
    REQUIRE_FALSE(proxy.ok());
    CHECK(proxy.error().message ==
          fixture.prefix("StateNetworkVersion") + "HTTP 502 Bad Gateway: <html>bad gateway</html>");

    fixture.stub.set_fault("StateNetworkVersion", raw_body(R"({"jsonrpc":"2.0","result":24,"id":424242})"));
    auto wrong_id = fixture.node().state_network_version({});
    REQUIRE_FALSE(wrong_id.ok());
    CHECK_THAT(wrong_id.error().message, Catch::Contains("malformed response: response id 424242, request id"));
}

TEST_CASE("chain client: concurrent calls on one client", "[chain][client]")
{
    StubFixture fixture;
    const auto node = fixture.node();
    std::vector<std::thread> threads;
    std::atomic<int> good{0};
    for (int index = 0; index < 4; ++index)
        threads.emplace_back([&] {
            for (int round = 0; round < 5; ++round)
                if (node.state_network_name().ok()) ++good;
        });
    for (auto &thread : threads) thread.join();
    CHECK(good == 20);
    CHECK(fixture.stub.call_count("StateNetworkName") == 20);
}
