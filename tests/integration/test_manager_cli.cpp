// SPDX-License-Identifier: Apache-2.0
//
// damocles-manager as an operator uses it: the daemon on loopback, the seed
// command lines verbatim, damocles' texts (docs/architecture.md §11.1, §11.2,
// §12.2 items 1-7), and the JSON-RPC surface (auth, malformed requests).
#include <catch2/catch.hpp>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "manager_fixture.hpp"
#include "service/rpc/json_rpc.hpp"

using namespace dmc::test;
using nlohmann::json;

namespace {

const char *kConfig = R"([[Miners]]
Actor = 1001
[[Miners]]
Actor = 1002
)";

json sector(uint64_t miner, uint64_t number, const std::string &proof = "StackedDrg2KiBV1_1")
{
    return {{"miner", miner},
            {"number", number},
            {"proof", proof},
            {"ticket", "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0"},
            {"ticket_epoch", 10},
            {"comm_d", "baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy"},
            {"comm_r", "bagboea4b5abcbnym7z3pgc64fk5wwsk3nsmz62jamgaa3pekzelmm3fv5q6g6zji"},
            {"pieces", json::array()},
            {"snap", nullptr}};
}

void import(ManagerFixture &m, const json &sectors)
{
    std::string path = m.dir() / "import.json";
    write_text(path, json{{"sectors", sectors}}.dump());
    auto r = m.cli({"util", "sealer", "sectors", "import", path});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
}

dmc::service::rpc::Client client(const ManagerFixture &m) { return {m.address(), m.token()}; }

} // namespace

TEST_CASE("manager: rebuild argument errors (seed 1)", "[manager]")
{
    ManagerFixture m(kConfig);
    auto help = m.cli({"util", "sealer", "sectors", "rebuild", "1001"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("Usage: rebuild") != std::string::npos);
    auto none = m.cli({"util", "sealer", "sectors", "rebuild"});
    CHECK(none.exit_code == 0);

    auto bad_miner = m.cli({"util", "sealer", "sectors", "rebuild", "t3abc", "1"});
    CHECK(bad_miner.exit_code != 0);
    CHECK(bad_miner.err.rfind("invalid miner actor id", 0) == 0);
    auto bad_number = m.cli({"util", "sealer", "sectors", "rebuild", "1001", "x1"});
    CHECK(bad_number.exit_code != 0);
    CHECK(bad_number.err.rfind("invalid sector number", 0) == 0);
}

TEST_CASE("manager: rebuild refusals carry damocles' texts (seeds 2-5)", "[manager]")
{
    ManagerFixture m(kConfig);
    json no_ticket = sector(1001, 2);
    no_ticket["ticket"] = nullptr;
    json deal = sector(1001, 3);
    deal["pieces"] = json::array({{{"cid", "baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy"},
                                   {"size", 2048},
                                   {"offset", 0},
                                   {"deal_id", 77},
                                   {"source", nullptr}}});
    json snap_no_info = sector(1001, 4);
    snap_no_info["snap"] = {
        {"proof", "StackedDrg2KiBV1_1"}, {"comm_d_new", nullptr}, {"comm_r_new", nullptr}, {"pieces", json::array()}};
    import(m, json::array({sector(1001, 1), no_ticket, deal, snap_no_info, sector(1003, 1)}));

    auto not_configured = m.cli({"util", "sealer", "sectors", "rebuild", "1003", "1"});
    CHECK(not_configured.exit_code == 1);
    CHECK(not_configured.err ==
          "set sector for rebuild failed: miner config unavailable: config for miner actor 1003 not found\n");

    auto unknown = m.cli({"util", "sealer", "sectors", "rebuild", "1001", "99"});
    CHECK(unknown.err == "set sector for rebuild failed: no available sector info\n");

    auto ticket = m.cli({"util", "sealer", "sectors", "rebuild", "1001", "2"});
    CHECK(ticket.err ==
          "set sector for rebuild failed: restore sector state: callback failed before restore: invalid ticket info\n");

    auto deals = m.cli({"util", "sealer", "sectors", "rebuild", "1001", "3"});
    CHECK(deals.err == "set sector for rebuild failed: restore sector state: callback failed before restore: sector "
                       "with unavailable deal pieces\n");
    auto deals_ok = m.cli({"util", "sealer", "sectors", "rebuild", "--pieces-available", "1001", "3"});
    CHECK(deals_ok.exit_code == 0);

    auto snap = m.cli({"util", "sealer", "sectors", "rebuild", "1001", "4"});
    CHECK(snap.err == "set sector for rebuild failed: restore sector state: callback failed before restore: "
                      "unavailable upgrade public info\n");

    // Seed 4: twice in a row -> the second call fails with "key not found".
    auto first = m.cli({"util", "sealer", "sectors", "rebuild", "t01001", "1"});
    CHECK(first.exit_code == 0);
    CHECK(first.out.empty());
    auto second = m.cli({"util", "sealer", "sectors", "rebuild", "f01001", "1"});
    CHECK(second.exit_code == 1);
    CHECK(second.err == "set sector for rebuild failed: restore sector state: load from offline store: load state from "
                        "offline: key not found\n");
}

TEST_CASE("manager: a queued sector shows in state and list (seed 6)", "[manager]")
{
    ManagerFixture m(kConfig);
    import(m, json::array({sector(1001, 123), sector(1001, 124)}));
    REQUIRE(m.cli({"util", "sealer", "sectors", "rebuild", "1001", "123"}).exit_code == 0);

    auto state = m.cli({"util", "sealer", "sectors", "state", "1001", "123"});
    REQUIRE(state.exit_code == 0);
    CHECK(state.out.rfind("Sector s-t01001-123: \n\nCommon:\n\tFinalized: false\n", 0) == 0);
    CHECK(state.out.find("\nRebuild: true\n") != std::string::npos);
    auto offline = m.cli({"util", "sealer", "sectors", "state", "--offline", "1001", "124"});
    REQUIRE(offline.exit_code == 0);
    CHECK(offline.out.find("\nRebuild: false\n") != std::string::npos);
    CHECK(offline.out.find("\tFinalized: true\n") != std::string::npos);

    auto list = m.cli({"util", "sealer", "sectors", "list", "--rebuild", "--sealing=false"});
    REQUIRE(list.exit_code == 0);
    CHECK(list.out.rfind("Sectors:\ns-t01001-123(rebuild):\n", 0) == 0);
    CHECK(list.out.find("Count: 1\n") != std::string::npos);
    auto plain = m.cli({"util", "sealer", "sectors", "list", "--offline"});
    CHECK(plain.out.find("s-t01001-124:\n") != std::string::npos);
    CHECK(plain.out.find("Count: 1\n") != std::string::npos);

    auto missing = m.cli({"util", "sealer", "sectors", "state", "1001", "999"});
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.rfind("rpc FindSectorInAllStates: sector state not found: s-t01001-999", 0) == 0);
}

TEST_CASE("manager: allocation filters by miner and proof, one entry each, none when empty (seed 7)", "[manager]")
{
    ManagerFixture m(kConfig);
    import(m, json::array({sector(1001, 1, "StackedDrg32GiBV1_1"), sector(1002, 1, "StackedDrg2KiBV1_1")}));
    REQUIRE(m.cli({"util", "sealer", "sectors", "rebuild", "1001", "1"}).exit_code == 0);
    REQUIRE(m.cli({"util", "sealer", "sectors", "rebuild", "1002", "1"}).exit_code == 0);
    auto c = client(m);
    auto spec = [](std::vector<uint64_t> miners, std::vector<uint64_t> proofs) {
        return json::array(
            {{{"AllowedMiners", miners}, {"AllowedProofTypes", proofs}, {"Worker", "w"}, {"Location", "/l"}}});
    };
    // 64GiB-only thread (proofs 4, 9, 14, 19) gets nothing.
    auto none64 = c.call("Venus.AllocateRebuildSector", spec({}, {4, 9, 14, 19}));
    REQUIRE(none64.ok());
    CHECK(none64->is_null());
    // allowed_miners = [1002] never gets a 1001 sector.
    auto only1002 = c.call("Venus.AllocateRebuildSector", spec({1002}, {}));
    REQUIRE(only1002.ok());
    REQUIRE(only1002->is_object());
    CHECK((*only1002)["sector_id"] == "s-t01002-1");
    CHECK(c.call("Venus.AllocateRebuildSector", spec({1002}, {}))->is_null());
    auto any = c.call("Venus.AllocateRebuildSector", spec({}, {}));
    REQUIRE(any->is_object());
    CHECK((*any)["sector_id"] == "s-t01001-1");
    CHECK((*any)["sector"]["ticket"] == "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0");
    CHECK(c.call("Venus.AllocateRebuildSector", spec({}, {}))->is_null());
}

TEST_CASE("manager: import is strict and idempotent", "[manager]")
{
    ManagerFixture m(kConfig);
    json bad = sector(1001, 1);
    bad["colour"] = "blue";
    std::string path = m.dir() / "bad.json";
    write_text(path, json{{"sectors", json::array({bad})}}.dump());
    auto r = m.cli({"util", "sealer", "sectors", "import", path});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("sectors[0]: unknown key 'colour'") != std::string::npos);

    json wrong_cid = sector(1001, 1);
    wrong_cid["comm_r"] = wrong_cid["comm_d"];
    write_text(path, json{{"sectors", json::array({wrong_cid})}}.dump());
    auto w = m.cli({"util", "sealer", "sectors", "import", path});
    CHECK(w.exit_code == 1);
    CHECK(w.err.find("comm_r") != std::string::npos);

    import(m, json::array({sector(1001, 1)}));
    json changed = sector(1001, 1);
    changed["ticket_epoch"] = 11;
    write_text(path, json{{"sectors", json::array({changed})}}.dump());
    auto c = m.cli({"util", "sealer", "sectors", "import", path});
    CHECK(c.exit_code == 1);
    CHECK(c.out.find("s-t01001-1: refused: sector s-t01001-1 is already registered with different values") !=
          std::string::npos);
    auto rep = m.cli({"util", "sealer", "sectors", "import", "--replace", path});
    CHECK(rep.exit_code == 0);
    CHECK(rep.out == "s-t01001-1: replaced\nimported 1, unchanged 0, incomplete 0\n");
}

TEST_CASE("manager: JSON-RPC rejects bad tokens and malformed requests without dying", "[manager]")
{
    ManagerFixture m(kConfig);
    auto hp = dmc::service::rpc::parse_host_port(m.address(), 0);
    REQUIRE(hp.ok());
    httplib::Client raw(hp->first, hp->second);
    auto no_token =
        raw.Post("/rpc/v0", R"({"jsonrpc":"2.0","id":1,"method":"Venus.Version","params":[]})", "application/json");
    REQUIRE(no_token);
    CHECK(no_token->status == 401);
    raw.set_bearer_token_auth("wrong");
    auto wrong =
        raw.Post("/rpc/v0", R"({"jsonrpc":"2.0","id":1,"method":"Venus.Version","params":[]})", "application/json");
    CHECK(wrong->status == 401);

    raw.set_bearer_token_auth(m.token().c_str());
    auto garbage = raw.Post("/rpc/v0", "{not json", "application/json");
    REQUIRE(garbage);
    CHECK(json::parse(garbage->body)["error"]["code"] == -32700);
    auto unknown =
        raw.Post("/rpc/v0", R"({"jsonrpc":"2.0","id":2,"method":"Venus.Nope","params":[]})", "application/json");
    CHECK(json::parse(unknown->body)["error"]["code"] == -32601);
    auto bad_params =
        raw.Post("/rpc/v0", R"({"jsonrpc":"2.0","id":3,"method":"Venus.SectorSetForRebuild","params":["x"]})",
                 "application/json");
    CHECK(json::parse(bad_params->body)["error"]["code"] == -32602);
    std::string huge(70u << 20, ' ');
    auto oversize = raw.Post("/rpc/v0", huge, "application/json");
    CHECK((!oversize || oversize->status == 413));
    auto ok = client(m).call("Venus.Version", json::array());
    CHECK(ok.ok());
    auto st = std::filesystem::status(m.home() + "/token");
    CHECK((st.permissions() & std::filesystem::perms::group_read) == std::filesystem::perms::none);
    CHECK((st.permissions() & std::filesystem::perms::others_read) == std::filesystem::perms::none);
}

TEST_CASE("manager: sectors priority changes a queued rebuild in place, a running one keeps its lease",
          "[manager][priority]")
{
    ManagerFixture m(kConfig);
    import(m, json::array({sector(1001, 1), sector(1001, 2), sector(1001, 3)}));
    REQUIRE(m.cli({"util", "sealer", "sectors", "rebuild", "1001", "1"}).exit_code == 0);
    REQUIRE(m.cli({"util", "sealer", "sectors", "rebuild", "1001", "2"}).exit_code == 0);
    auto c = client(m);
    auto queue = [&] {
        auto r = c.call("Venus.RebuildQueue", json::array());
        REQUIRE(r.ok());
        return *r;
    };
    const json before = queue();
    REQUIRE(before.size() == 2);
    REQUIRE(before[1]["sector_id"] == "s-t01001-2");

    auto raised = m.cli({"util", "sealer", "sectors", "priority", "t01001", "2", "7"});
    INFO(raised.err);
    CHECK(raised.exit_code == 0);
    CHECK(raised.out == "s-t01001-2: priority 0 -> 7\n");
    const json after = queue();
    REQUIRE(after.size() == 2);
    CHECK(after[0]["sector_id"] == "s-t01001-2");
    CHECK(after[0]["priority"] == 7);
    // The same entry: never taken out of the queue.
    CHECK(after[0]["seq"] == before[1]["seq"]);
    CHECK(after[0]["enqueued_at"] == before[1]["enqueued_at"]);

    // A negative priority is a value, not an option.
    auto lowered = m.cli({"util", "sealer", "sectors", "priority", "1001", "2", "-1"});
    CHECK(lowered.exit_code == 0);
    CHECK(lowered.out == "s-t01001-2: priority 7 -> -1\n");
    CHECK(queue()[0]["sector_id"] == "s-t01001-1");

    // A worker holds sector 1: the priority changes, the lease stays.
    auto held = c.call("Venus.AllocateRebuildSector", json::array({{{"AllowedMiners", json::array()},
                                                                    {"AllowedProofTypes", json::array()},
                                                                    {"Worker", "w"},
                                                                    {"Location", "/l"}}}));
    REQUIRE(held.ok());
    REQUIRE((*held)["sector_id"] == "s-t01001-1");
    const json lease = queue()[0];
    auto running = m.cli({"util", "sealer", "sectors", "priority", "1001", "1", "3"});
    CHECK(running.exit_code == 0);
    CHECK(running.out == "s-t01001-1: priority 0 -> 3 (running on w, which keeps it; the priority counts if it is "
                         "allocated again)\n");
    const json still = queue()[0];
    CHECK(still["priority"] == 3);
    CHECK(still["lease_worker"] == "w");
    CHECK(still["lease_expires"] == lease["lease_expires"]);
    CHECK(still["allocations"] == 1);

    // Not queued, unknown, bad input.
    auto offline = m.cli({"util", "sealer", "sectors", "priority", "1001", "3", "1"});
    CHECK(offline.exit_code == 1);
    CHECK(offline.err == "rpc SectorSetPriority: sector s-t01001-3 is not queued for rebuild: queue it with a "
                         "priority (sectors rebuild --priority P)\n");
    CHECK(m.cli({"util", "sealer", "sectors", "priority", "1001", "99", "1"}).exit_code == 1);
    auto bad_priority = m.cli({"util", "sealer", "sectors", "priority", "1001", "2", "high"});
    CHECK(bad_priority.exit_code == 2);
    CHECK(bad_priority.err == "invalid priority 'high': give an integer (higher runs first), e.g. 10 or -1\n");
    auto too_large = m.cli({"util", "sealer", "sectors", "priority", "1001", "2", "4294967296"});
    CHECK(too_large.exit_code == 2);
    auto bad_number = m.cli({"util", "sealer", "sectors", "priority", "1001", "x2", "1"});
    CHECK(bad_number.exit_code == 2);
    CHECK(bad_number.err.rfind("invalid sector number 'x2'", 0) == 0);
    auto missing = m.cli({"util", "sealer", "sectors", "priority", "1001", "2"});
    CHECK(missing.exit_code == 2);
    CHECK(missing.err == "usage: util sealer sectors priority <miner> <number> <priority>\n");
    CHECK(queue()[1]["priority"] == -1); // nothing changed by the refusals

    // Over JSON-RPC a priority outside 32 bits is invalid params.
    auto wide = c.call("Venus.SectorSetPriority", json::array({1001, 2, 1ll << 40}));
    REQUIRE_FALSE(wide.ok());
    CHECK(wide.error().message.find("priority must be a 32-bit integer") != std::string::npos);
}
