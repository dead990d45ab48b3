// SPDX-License-Identifier: Apache-2.0
//
// The JSON-RPC envelope without a socket: requests as Lotus expects them,
// responses as go-jsonrpc writes them (result, null result, error objects),
// and malformed or hostile bodies.
#include <catch2/catch.hpp>

#include "service/chain/rpc_envelope.hpp"

using namespace dmc;
using namespace dmc::service::chain;
using nlohmann::json;

TEST_CASE("chain rpc: requests carry jsonrpc 2.0, Filecoin.<Name>, params array and id", "[chain][rpc]")
{
    const json request = json::parse(build_request("ChainHead", json::array(), 7));
    CHECK(request == json::parse(R"({"jsonrpc":"2.0","method":"Filecoin.ChainHead","params":[],"id":7})"));
    CHECK(qualified_method("Filecoin.SectorsList") == "Filecoin.SectorsList");
    CHECK(qualified_method("SectorsList") == "Filecoin.SectorsList");
}

TEST_CASE("chain rpc: results, null results and error objects", "[chain][rpc]")
{
    // go-jsonrpc's encoder puts "result" before "id" and ends with a newline.
    auto with_result = parse_rpc_response("{\"jsonrpc\":\"2.0\",\"result\":[123,124],\"id\":3}\n", 3);
    REQUIRE(with_result.ok());
    CHECK_FALSE(with_result->error.has_value());
    CHECK(with_result->result == json::parse("[123,124]"));

    auto with_null = parse_rpc_response(R"({"jsonrpc":"2.0","result":null,"id":4})", 4);
    REQUIRE(with_null.ok());
    CHECK(with_null->result.is_null());

    auto with_error = parse_rpc_response(
        R"({"jsonrpc":"2.0","id":5,"error":{"code":1,"message":"resolution lookup failed (f09999): actor not found"}})",
        5);
    REQUIRE(with_error.ok());
    REQUIRE(with_error->error.has_value());
    CHECK(with_error->error->code == 1);
    const Error converted = rpc_error_to_error(*with_error->error);
    CHECK(converted.message == "JSON-RPC error 1: resolution lookup failed (f09999): actor not found");
    CHECK(converted.code == Errc::io);

    // An error for a request the server could not read has id null.
    auto parse_error =
        parse_rpc_response(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})", 9);
    REQUIRE(parse_error.ok());
    CHECK(parse_error->error->code == kRpcParseError);
    CHECK(rpc_error_to_error({kRpcMethodNotFound, "method 'Filecoin.Nope' not found"}).code == Errc::unsupported);
    CHECK(rpc_error_to_error({kRpcInvalidParams, "wrong param count"}).code == Errc::invalid_argument);
    CHECK(rpc_error_to_error({1, ""}).message == "JSON-RPC error 1: (no message)");
}

TEST_CASE("chain rpc: malformed responses are errors that say why", "[chain][rpc]")
{
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"", "empty body"},
        {"{\"jsonrpc\":\"2.0\",\"result\":", "not JSON"},
        {"<html>502 Bad Gateway</html>", "not JSON: <html>502 Bad Gateway</html>"},
        {"[1,2]", "not a JSON-RPC response object"},
        {R"({"result":1,"id":1})", "\"jsonrpc\" is not \"2.0\""},
        {R"({"jsonrpc":"1.0","result":1,"id":1})", "\"jsonrpc\" is not \"2.0\""},
        {R"({"jsonrpc":"2.0","result":1,"id":2})", "response id 2, request id 1"},
        {R"({"jsonrpc":"2.0","result":1,"id":"1"})", "response id \"1\", request id 1"},
        {R"({"jsonrpc":"2.0","result":1})", "response id missing"},
        {R"({"jsonrpc":"2.0","id":1})", "neither \"result\" nor \"error\""},
        {R"({"jsonrpc":"2.0","id":1,"error":"boom"})", "\"error\" is not an object"},
        {R"({"jsonrpc":"2.0","id":1,"error":{"message":"x"}})", "without an integer code"},
    };
    for (const auto &[body, why] : bad) {
        auto parsed = parse_rpc_response(body, 1);
        INFO(body);
        REQUIRE_FALSE(parsed.ok());
        CHECK(parsed.error().code == Errc::corrupt);
        CHECK_THAT(parsed.error().message, Catch::Contains(why));
    }
}

TEST_CASE("chain rpc: nesting is bounded before parsing", "[chain][rpc]")
{
    const std::string deep =
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
    auto parsed = parse_rpc_response(deep, 1);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().message == "JSON nested deeper than 64 levels");
    CHECK_FALSE(json_nesting_exceeds("[[[\"[[[[[[\"]]]", 3));
    CHECK(json_nesting_exceeds("[[[[]]]]", 3));
    CHECK_FALSE(json_nesting_exceeds(R"(["\"[[[[["])", 1));
    // A limit that fits the content lets it through.
    auto shallow = parse_rpc_response("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":[[[1]]]}", 1, 4);
    REQUIRE(shallow.ok());
    CHECK(shallow->result == json::parse("[[[1]]]"));
}
