// SPDX-License-Identifier: Apache-2.0
//
// Bearer tokens and token files: the comparison accepts exactly
// "Bearer <token>" (its constant time is by construction, bearer_auth.hpp,
// and never timed here), token files are created 0600 once even when two
// daemons start together, and the JSON-RPC dispatcher answers every
// malformed request instead of throwing.
#include <catch2/catch.hpp>

#include <set>
#include <sys/stat.h>
#include <thread>

#include "process.hpp"
#include "service/rpc/bearer_auth.hpp"
#include "service/rpc/dispatcher.hpp"
#include "service/rpc/token_file.hpp"

using namespace dmc;
using namespace dmc::service::rpc;

TEST_CASE("bearer: only the exact header matches", "[service][auth]")
{
    const std::string token = "0123456789abcdef";
    CHECK(bearer_token_matches("Bearer " + token, token));
    for (const std::string &header : std::vector<std::string>{
             "", "Bearer", "Bearer ", "bearer " + token, "Bearer " + token + " ", "Bearer " + token.substr(0, 15),
             "Bearer " + token + "0", "Basic " + token, "Bearer  " + token, token}) {
        INFO("'" << header << "'");
        CHECK_FALSE(bearer_token_matches(header, token));
    }
    CHECK_FALSE(bearer_token_matches("Bearer ", ""));
    CHECK_FALSE(bearer_token_matches("", ""));
}

TEST_CASE("token files: created 0600 once, the same token for daemons starting together", "[service][auth]")
{
    test::TempDir dir("token");
    const std::string path = dir / "worker.token";
    std::vector<std::string> tokens(8);
    std::vector<std::thread> starters;
    for (size_t i = 0; i < tokens.size(); ++i)
        starters.emplace_back([&, i] {
            auto t = load_or_create_token(path);
            tokens[i] = t ? *t : "error: " + t.error().message;
        });
    for (auto &t : starters) t.join();
    CHECK(std::set<std::string>(tokens.begin(), tokens.end()).size() == 1);
    CHECK(tokens[0].size() == 64);
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(read_token_file(path).value() == tokens[0]);
    // Nothing but the token file is left behind.
    size_t files = 0;
    for ([[maybe_unused]] const auto &e : std::filesystem::directory_iterator(dir.path())) ++files;
    CHECK(files == 1);
    test::write_text(dir / "empty.token", "\n");
    auto empty = read_token_file(dir / "empty.token");
    REQUIRE_FALSE(empty.ok());
    CHECK_THAT(empty.error().message, Catch::Contains("is empty; delete it to regenerate"));
}

TEST_CASE("dispatcher: malformed requests get JSON-RPC errors, never exceptions", "[service][rpc]")
{
    Dispatcher d;
    d.add("Echo", [](const json &p) { return p; });
    d.add("Throws", [](const json &) -> json { throw std::runtime_error("boom"); });
    auto code = [&](const std::string &body) {
        std::string text;
        REQUIRE_NOTHROW(text = d.handle(body));
        const json r = json::parse(text);
        return r.contains("error") ? r["error"]["code"].get<int>() : 0;
    };
    CHECK(code(R"({"jsonrpc":"2.0","id":1,"method":"Echo","params":[1]})") == 0);
    CHECK(code(R"({"jsonrpc":2,"id":1,"method":"Echo"})") == kInvalidRequest);
    CHECK(code(R"({"jsonrpc":null,"id":1,"method":"Echo"})") == kInvalidRequest);
    CHECK(code(R"({"id":1,"method":"Echo"})") == kInvalidRequest);
    CHECK(code(R"({"jsonrpc":"2.0","id":1.5,"method":"Echo"})") == kInvalidRequest);
    CHECK(code(R"({"jsonrpc":"2.0","id":1,"method":"Echo","params":7})") == kInvalidParams);
    CHECK(code(R"({"jsonrpc":"2.0","id":1,"method":"Throws"})") == kInternalError);
    CHECK(code("]") == kInvalidRequest);
    CHECK(code(std::string(100, '[')) == kInvalidRequest);
}
