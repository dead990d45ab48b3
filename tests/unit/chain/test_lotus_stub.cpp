// SPDX-License-Identifier: Apache-2.0
//
// The Lotus stub serving the real devnet sector t01002/1 (checked against the
// vector, not against the fixture), the ticket recovery path across
// ChainGetTipSetByHeight / StateSectorPreCommitInfo / randomness, sectors
// added at run time (a deal piece, a filler, a SnapDeals upgrade), Lotus'
// parameter errors, and the lotus-stub executable.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/hex.hpp"
#include "lotus_stub.hpp"
#include "process.hpp"
#include "service/chain/base64.hpp"
#include "service/chain/full_node_client.hpp"
#include "service/chain/miner_client.hpp"
#include "vectors.hpp"

using namespace dmc;
using namespace dmc::service::chain;
using nlohmann::json;

namespace {

const std::string kFixtures = DMC_LOTUS_FIXTURES;

struct DevnetStub {
    dmc::test::LotusStub stub;
    FullNodeClient node;
    MinerClient miner;

    static dmc::test::LotusStubFixture fixture()
    {
        auto loaded = dmc::test::load_lotus_stub_fixture(kFixtures + "/devnet_t01002.json");
        REQUIRE(loaded.ok());
        return *loaded;
    }
    DevnetStub() : stub(fixture()), node(FullNodeClient::from_endpoint({})), miner(MinerClient::from_endpoint({}))
    {
        REQUIRE(stub.start().ok());
        auto full = FullNodeClient::from_api_info(stub.api_info());
        auto miner_client = MinerClient::from_api_info(stub.api_info());
        REQUIRE(full.ok());
        REQUIRE(miner_client.ok());
        node = *full;
        miner = *miner_client;
    }
};

Bytes32 bytes32(const json &hex)
{
    auto parsed = bytes32_from_hex(hex.get<std::string>());
    REQUIRE(parsed.ok());
    return *parsed;
}

} // namespace

TEST_CASE("lotus stub: lotus-miner serves the devnet sector as the vector records it", "[chain][stub]")
{
    const json &vector = dmc::test::use_vector("sdr", "end_to_end_2kib_cc_lotus_devnet");
    const json &recorded = vector["inputs"]["recorded_in_transcript"];
    DevnetStub devnet;

    auto actor = devnet.miner.actor_address();
    REQUIRE(actor.ok());
    CHECK(actor->to_string() == recorded["miner"].get<std::string>());
    auto list = devnet.miner.sectors_list();
    REQUIRE(list.ok());
    CHECK(*list == std::vector<uint64_t>{1, 2});

    auto status = devnet.miner.sectors_status(recorded["SectorNumber"].get<uint64_t>(), true);
    REQUIRE(status.ok());
    CHECK(status->seal_proof == recorded["SealProof"].get<uint64_t>());
    CHECK(status->comm_d_cid == recorded["CIDcommD"].get<std::string>());
    CHECK(status->comm_r_cid == recorded["CIDcommR"].get<std::string>());
    CHECK(status->comm_d == bytes32(vector["expected"]["comm_d_hex"]));
    REQUIRE(status->ticket.value.has_value());
    CHECK(*status->ticket.value == bytes32(recorded["Ticket"]));
    CHECK(status->ticket.epoch == recorded["TicketH"].get<int64_t>());
    CHECK(*status->seed.value == bytes32(recorded["Seed"]));
    CHECK(status->seed.epoch == recorded["SeedH"].get<int64_t>());
    REQUIRE(status->pieces.size() == 1);
    CHECK(status->pieces[0].is_filler());
    CHECK(status->pieces[0].padded_size == vector["inputs"]["sector_size"].get<uint64_t>());
    CHECK(status->state == "Proving");
    CHECK(status->activation == 2740);

    auto missing = devnet.miner.sectors_status(77, false);
    REQUIRE_FALSE(missing.ok());
    CHECK_THAT(
        missing.error().message,
        Catch::EndsWith("Filecoin.SectorsStatus: JSON-RPC error 1: getting sector info: datastore: key not found"));
}

TEST_CASE("lotus stub: the ticket of an active sector, recovered from the chain", "[chain][stub]")
{
    const json &vector = dmc::test::use_vector("sdr", "end_to_end_2kib_cc_lotus_devnet");
    const json &recorded = vector["inputs"]["recorded_in_transcript"];
    DevnetStub devnet;
    const IdAddress miner{vector["inputs"]["miner_actor_id"].get<uint64_t>(), 't'};

    auto info = devnet.node.state_sector_get_info(miner, 1, {});
    REQUIRE(info.ok());
    REQUIRE(info->has_value());
    CHECK((*info)->sealed_cid == recorded["CIDcommR"].get<std::string>());
    CHECK((*info)->seal_proof == 5);
    CHECK((*info)->shape == SectorInfoShape::current);
    // The precommit is gone at the head…
    auto at_head = devnet.node.state_sector_precommit_info(miner, 1, {});
    REQUIRE(at_head.ok());
    CHECK_FALSE(at_head->has_value());
    // …but the state of the tipset at Activation still has it.
    auto tipset = devnet.node.chain_get_tipset_by_height((*info)->activation, {});
    REQUIRE(tipset.ok());
    CHECK(tipset->height == (*info)->activation);
    auto precommit = devnet.node.state_sector_precommit_info(miner, 1, tipset->key);
    REQUIRE(precommit.ok());
    REQUIRE(precommit->has_value());
    CHECK((*precommit)->seal_rand_epoch == recorded["TicketH"].get<int64_t>());
    CHECK((*precommit)->sealed_cid == (*info)->sealed_cid);
    CHECK_FALSE((*precommit)->unsealed_cid.has_value()); // CC
    auto ticket = devnet.node.seal_randomness(miner, (*precommit)->seal_rand_epoch, tipset->key);
    REQUIRE(ticket.ok());
    CHECK(*ticket == bytes32(recorded["Ticket"]));
    // The entropy went out as Lotus builds it (CBOR bytes of t01002).
    CHECK(devnet.stub.last_params("StateGetRandomnessFromTickets")[2] == "QwDqBw==");
    // And at that tipset the sector is not active yet.
    auto not_yet = devnet.node.state_sector_get_info(miner, 1, tipset->key);
    REQUIRE(not_yet.ok());
    CHECK_FALSE(not_yet->has_value());
    // A seed epoch draws the seed with tag 6.
    auto seed = devnet.node.state_get_randomness_from_tickets(
        kTagInteractiveSealChallengeSeed, recorded["SeedH"].get<int64_t>(), seal_randomness_entropy(miner.id), {});
    REQUIRE(seed.ok());
    CHECK(*seed == bytes32(recorded["Seed"]));
}

TEST_CASE("lotus stub: the deal sector of the fixture, older node shape", "[chain][stub]")
{
    DevnetStub devnet;
    auto info = devnet.node.state_sector_get_info({1002, 't'}, 2, {});
    REQUIRE(info.ok());
    CHECK((*info)->shape == SectorInfoShape::deal_ids_flags);
    CHECK((*info)->deal_ids == std::optional<std::vector<uint64_t>>(std::vector<uint64_t>{5432}));
    auto deal = devnet.node.state_market_storage_deal(5432, {});
    REQUIRE(deal.ok());
    CHECK(deal->piece_size == 1024);
    CHECK(deal->sector_number == std::optional<uint64_t>(2));
    CHECK(deal->provider == "t01002");
    auto status = devnet.miner.sectors_status(2, false);
    REQUIRE(status.ok());
    REQUIRE(status->pieces.size() == 2);
    CHECK(status->pieces[0].deal->deal_id == 5432);
    CHECK(status->pieces[0].piece_cid == deal->piece_cid);
    CHECK(status->pieces[1].is_filler());
    CHECK(status->deals == std::vector<uint64_t>{5432});
    CHECK(status->activation == 0); // showOnChainInfo false
    auto no_deal = devnet.node.state_market_storage_deal(1, {});
    REQUIRE_FALSE(no_deal.ok());
    CHECK_THAT(no_deal.error().message, Catch::EndsWith("JSON-RPC error 1: deal 1 not found"));
}

TEST_CASE("lotus stub: sectors added at run time, SnapDeals included", "[chain][stub]")
{
    dmc::test::LotusStub stub({.token = "run-time", .miner = 1234});
    REQUIRE(stub.start().ok());
    auto node = FullNodeClient::from_api_info(stub.api_info());
    auto miner = MinerClient::from_api_info(stub.api_info());
    REQUIRE(node.ok());
    REQUIRE(miner.ok());
    auto before = miner->sectors_list();
    REQUIRE(before.ok());
    CHECK(before->empty());

    const Bytes32 comm_r_old = *bytes32_from_hex(std::string(64, 'a').replace(62, 2, "0a"));
    const Bytes32 comm_r_new = *bytes32_from_hex(std::string(64, 'b').replace(62, 2, "0b"));
    dmc::test::LotusStubSector sector;
    sector.miner = 1234;
    sector.number = 42;
    sector.seal_proof = 8; // 32GiB V1_1
    sector.ticket.fill(0x5a);
    sector.ticket_epoch = 1000;
    sector.comm_d = "baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy";
    sector.comm_r = commitment_to_cid(comm_r_old, CommitmentKind::sealed);
    sector.precommit_epoch = 1100;
    sector.activation = 1300;
    sector.expiration = 600000;
    sector.comm_r_new = commitment_to_cid(comm_r_new, CommitmentKind::sealed);
    sector.update_epoch = 2000;
    sector.pieces = {{2048, sector.comm_d, std::nullopt}};
    stub.add_sector(sector);

    auto list = miner->sectors_list();
    REQUIRE(list.ok());
    CHECK(*list == std::vector<uint64_t>{42});
    auto head = node->chain_head();
    REQUIRE(head.ok());
    CHECK(head->height == 2100); // the highest epoch + 100
    auto info = node->state_sector_get_info({1234, 't'}, 42, {});
    REQUIRE(info.ok());
    CHECK((*info)->comm_r == comm_r_new);
    CHECK((*info)->comm_r_old == std::optional<Bytes32>(comm_r_old));
    // Before the update the sector shows its original CommR and no key.
    auto before_update = node->chain_get_tipset_by_height(1500, {});
    REQUIRE(before_update.ok());
    auto original = node->state_sector_get_info({1234, 't'}, 42, before_update->key);
    REQUIRE(original.ok());
    CHECK((*original)->comm_r == comm_r_old);
    CHECK_FALSE((*original)->sector_key_cid.has_value());
    auto ticket = node->seal_randomness({1234, 'f'}, 1000, {});
    REQUIRE(ticket.ok());
    CHECK(*ticket == sector.ticket);
    // A miner the chain does not know.
    auto unknown = node->state_sector_get_info({999, 't'}, 1, {});
    REQUIRE_FALSE(unknown.ok());
    CHECK_THAT(unknown.error().message, Catch::EndsWith("failed to load miner actor: actor not found"));
}

TEST_CASE("lotus stub: tipset keys and heights are checked as Lotus does", "[chain][stub]")
{
    DevnetStub devnet;
    auto above = devnet.node.chain_get_tipset_by_height(5000, {});
    REQUIRE_FALSE(above.ok());
    CHECK_THAT(above.error().message, Catch::EndsWith("looking for tipset with height greater than start point"));
    auto from = devnet.node.chain_get_tipset_by_height(100, {});
    REQUIRE(from.ok());
    auto older = devnet.node.chain_get_tipset_by_height(50, from->key);
    REQUIRE(older.ok());
    CHECK(older->height == 50);
    auto unknown = devnet.node.state_network_version(
        TipSetKey{{"bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4"}});
    REQUIRE_FALSE(unknown.ok());
    CHECK_THAT(unknown.error().message, Catch::Contains("loading tipset"));
    auto future = devnet.node.seal_randomness({1002, 't'}, 2000, older->key);
    REQUIRE_FALSE(future.ok());
    CHECK_THAT(future.error().message, Catch::EndsWith("cannot draw randomness from the future"));
    RpcClient rpc("lotus", devnet.node.rpc().endpoint());
    auto bad_type = rpc.call("StateSectorGetInfo", json::array({"t01002", "1", nullptr}));
    REQUIRE_FALSE(bad_type.ok());
    CHECK_THAT(bad_type.error().message,
               Catch::Contains("JSON-RPC error -32700: unmarshaling params for 'Filecoin.StateSectorGetInfo'"));
}

TEST_CASE("lotus stub: its entropy and base64 agree with the client's helpers", "[chain][stub]")
{
    for (uint64_t miner : std::vector<uint64_t>{0, 1, 127, 128, 1000, 1002, 16383, 16384, 1234567, kMaxActorId})
        CHECK(dmc::test::lotus_stub_miner_entropy(miner) == seal_randomness_entropy(miner));
}

TEST_CASE("lotus stub: fixture errors name the entry", "[chain][stub]")
{
    auto document = json::parse(R"({"Sectors": [{"Miner": "t01002", "SectorNumber": 1, "SealProof": 5,
        "Ticket": {"Value": "not base64!", "Epoch": 1}, "CommD": {"/": "x"}, "CommR": {"/": "y"},
        "PreCommitEpoch": 2, "Activation": 3, "Expiration": 4, "Pieces": []}]})");
    auto fixture = dmc::test::parse_lotus_stub_fixture(document);
    REQUIRE_FALSE(fixture.ok());
    CHECK(fixture.error().message == "lotus stub fixture: Sectors[0].Ticket.Value: invalid base64");
    auto missing = dmc::test::load_lotus_stub_fixture(kFixtures + "/no-such-file.json");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().code == Errc::not_found);
}

TEST_CASE("lotus stub: the lotus-stub executable serves a fixture until SIGTERM", "[chain][stub]")
{
    INFO("the lotus-stub executable is a separate target: ninja -C build tests/unit/chain/lotus-stub");
    REQUIRE(std::filesystem::exists(DMC_LOTUS_STUB_EXE));
    dmc::test::TempDir dir("lotus-stub");
    const std::string address_file = dir / "address";
    dmc::test::Background process(
        {DMC_LOTUS_STUB_EXE, kFixtures + "/devnet_t01002.json", "--address-file", address_file}, {},
        dir / "lotus-stub.log");
    REQUIRE(dmc::test::wait_until([&] { return std::ifstream(address_file).good(); }, std::chrono::seconds(20)));
    std::string address;
    std::ifstream(address_file) >> address;
    auto node = FullNodeClient::from_endpoint(*parse_api_url("http://" + address, "devnet-token", kFullNodeRpcPath));
    auto head = node.chain_head();
    REQUIRE(head.ok());
    CHECK(head->height == 3000);
    const std::string log = dmc::test::slurp(dir / "lotus-stub.log");
    CHECK_THAT(log, Catch::Contains("lotus-stub listening on " + address));
    CHECK_THAT(log, Catch::Contains("MINER_API_INFO=devnet-token:/ip4/127.0.0.1/tcp/"));
    process.kill(SIGTERM);
    CHECK(process.wait() == 0);

    auto usage = dmc::test::run({DMC_LOTUS_STUB_EXE});
    CHECK(usage.exit_code == 2);
    auto bad_fixture = dmc::test::run({DMC_LOTUS_STUB_EXE, kFixtures + "/README.md"});
    CHECK(bad_fixture.exit_code == 2);
    CHECK_THAT(bad_fixture.err, Catch::Contains("is not JSON"));
}
