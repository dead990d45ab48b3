// SPDX-License-Identifier: Apache-2.0
//
// `sectors import --from-lotus-miner` (service/importers/lotus_miner_importer.hpp)
// against the Lotus stub: the devnet sector's record equals the vector, a
// deal sector keeps its data piece, a SnapDeals sector is completed from the
// chain only with a full node, and sectors lotus-miner cannot vouch for are
// listed as incomplete with the reason.
#include <catch2/catch.hpp>

#include "importer_stub.hpp"
#include "service/importers/lotus_miner_importer.hpp"
#include "vectors.hpp"

using namespace dmc;
using namespace dmc::service::importers;
using dmc::test::DevnetStub;

namespace {

const core::SectorRecord *find_record(const ImportBatch &batch, uint64_t number)
{
    for (const auto &record : batch.records)
        if (record.key.number == number) return &record;
    return nullptr;
}

const SkippedSector *find_skipped(const std::vector<SkippedSector> &skipped, uint64_t number)
{
    for (const auto &sector : skipped)
        if (sector.key.number == number) return &sector;
    return nullptr;
}

} // namespace

TEST_CASE("lotus-miner import: the devnet sectors, as the vector and the fixture say", "[chain][importers]")
{
    const auto &devnet = dmc::test::use_vector("sdr", "end_to_end_2kib_cc_lotus_devnet");
    DevnetStub fixture;
    auto miner = fixture.miner();
    auto batch = import_from_lotus_miner(miner, nullptr, {std::nullopt, "store-a", 't'});
    REQUIRE(batch.ok());
    CHECK(batch->incomplete.empty());
    REQUIRE(batch->records.size() == 2);

    const core::SectorRecord *cc = find_record(*batch, 1);
    REQUIRE(cc);
    CHECK(cc->key.miner == devnet.at("inputs").at("miner_actor_id").get<uint64_t>());
    CHECK(to_hex(cc->ticket.value()) == devnet.at("inputs").at("ticket_hex").get<std::string>());
    CHECK(cc->ticket_epoch == 1822);
    CHECK(cc->comm_d == devnet.at("expected").at("comm_d_cid").get<std::string>());
    CHECK(cc->comm_r == devnet.at("expected").at("comm_r_cid").get<std::string>());
    CHECK(cc->pieces.empty()); // lotus' one filler of 2KiB is a CC sector
    CHECK(cc->store == "store-a");
    CHECK_FALSE(cc->keep_unsealed); // no deal asked for an unsealed copy

    const core::SectorRecord *deal = find_record(*batch, 2);
    REQUIRE(deal);
    CHECK(deal->comm_d == dmc::test::kTwoPieceCommD);
    REQUIRE(deal->pieces.size() == 1); // the filler after it comes back by the rule
    CHECK(deal->pieces[0].cid == dmc::test::kDealPieceCid);
    CHECK(deal->pieces[0].deal_id == 5432u);
    CHECK(deal->pieces[0].offset == 0);
    CHECK(deal->keep_unsealed); // DealInfo.KeepUnsealed
    CHECK(fixture.stub.last_params("SectorsStatus") == nlohmann::json::array({2, true}));
}

TEST_CASE("lotus-miner import: --sectors takes those lotus-miner lists, the others are incomplete",
          "[chain][importers]")
{
    DevnetStub fixture;
    auto miner = fixture.miner();
    auto batch = import_from_lotus_miner(miner, nullptr, {std::vector<uint64_t>{2, 9}, "", 't'});
    REQUIRE(batch.ok());
    REQUIRE(batch->records.size() == 1);
    CHECK(batch->records[0].key.number == 2);
    const SkippedSector *missing = find_skipped(batch->incomplete, 9);
    REQUIRE(missing);
    CHECK(missing->reason == "lotus-miner does not list this sector");
    CHECK(fixture.stub.call_count("SectorsStatus") == 1);
}

TEST_CASE("lotus-miner import: a SnapDeals sector needs the chain for its update", "[chain][importers]")
{
    DevnetStub fixture;
    const auto snapped = fixture.snapped_sector(3);
    fixture.stub.add_sector(snapped);
    auto miner = fixture.miner();

    auto without_node = import_from_lotus_miner(miner, nullptr, {std::vector<uint64_t>{3}, "", 't'});
    REQUIRE(without_node.ok());
    CHECK(without_node->records.empty());
    const SkippedSector *incomplete = find_skipped(without_node->incomplete, 3);
    REQUIRE(incomplete);
    CHECK(incomplete->reason.find("pass --lotus") != std::string::npos);

    auto node = fixture.node();
    auto with_node = import_from_lotus_miner(miner, &node, {std::vector<uint64_t>{3}, "", 't'});
    REQUIRE(with_node.ok());
    const core::SectorRecord *record = find_record(*with_node, 3);
    REQUIRE(record);
    CHECK(record->upgraded);
    CHECK(record->comm_r == snapped.comm_r); // the sector key
    CHECK(record->pieces.empty());
    REQUIRE(record->snap);
    CHECK(record->snap->comm_r_new == snapped.comm_r_new);
    CHECK(record->snap->comm_d_new == dmc::test::kTwoPieceCommD);
    CHECK(record->snap->proof == "StackedDrg2KiBV1");
    REQUIRE(record->snap->pieces.size() == 1);
    CHECK(record->snap->pieces[0].deal_id == 5432u);
}

TEST_CASE("lotus-miner import: sectors still sealing or being upgraded are incomplete", "[chain][importers]")
{
    DevnetStub fixture;
    auto sealing = fixture.snapped_sector(4);
    sealing.comm_r_new.reset();
    sealing.pieces = {{2048, "baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy", std::nullopt}};
    sealing.state = "PreCommit2";
    fixture.stub.add_sector(sealing);
    auto upgrading = fixture.snapped_sector(5);
    upgrading.state = "ProveReplicaUpdate";
    fixture.stub.add_sector(upgrading);
    auto miner = fixture.miner();
    auto batch = import_from_lotus_miner(miner, nullptr, {std::vector<uint64_t>{4, 5}, "", 't'});
    REQUIRE(batch.ok());
    CHECK(batch->records.empty());
    REQUIRE(find_skipped(batch->incomplete, 4));
    CHECK(find_skipped(batch->incomplete, 4)->reason == "state PreCommit2: not a sealed sector on chain");
    REQUIRE(find_skipped(batch->incomplete, 5));
    CHECK(find_skipped(batch->incomplete, 5)->reason.find("upgrade in progress") != std::string::npos);
}

TEST_CASE("lotus-miner import: a refused token fails the whole import, naming the node", "[chain][importers]")
{
    DevnetStub fixture;
    auto endpoint = service::chain::parse_api_info(
        "wrong:/ip4/127.0.0.1/tcp/" + std::to_string(fixture.stub.port()) + "/http", service::chain::kMinerRpcPath);
    REQUIRE(endpoint.ok());
    auto miner = service::chain::MinerClient::from_endpoint(*endpoint);
    auto batch = import_from_lotus_miner(miner, nullptr, {});
    REQUIRE_FALSE(batch.ok());
    CHECK(batch.error().message.find("lotus-miner 127.0.0.1:") != std::string::npos);
    CHECK(batch.error().message.find("401") != std::string::npos);
}

TEST_CASE("lotus-miner import: the lotus states a record can come from", "[chain][importers]")
{
    CHECK(classify_lotus_state("Proving") == LotusStateKind::sealed);
    CHECK(classify_lotus_state("Faulty") == LotusStateKind::sealed);
    CHECK(classify_lotus_state("UpdateActivating") == LotusStateKind::upgraded);
    CHECK(classify_lotus_state("ReplicaUpdateWait") == LotusStateKind::snap_in_progress);
    CHECK(classify_lotus_state("PreCommit1") == LotusStateKind::other);
    CHECK(classify_lotus_state("Removed") == LotusStateKind::other);
}
