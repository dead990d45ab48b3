// SPDX-License-Identifier: Apache-2.0
//
// `sectors import --from-chain` (service/importers/chain_importer.hpp) and
// `--lotus` (chain_confirmation.hpp) against the Lotus stub. The devnet
// sector's ticket is drawn from the stub's randomness with the miner's
// address as entropy, so it comes back equal to the vector's only when the
// precommit, the epoch and the entropy were all read and sent right.
#include <catch2/catch.hpp>

#include "importer_stub.hpp"
#include "service/importers/chain_confirmation.hpp"
#include "service/importers/chain_importer.hpp"
#include "service/importers/lotus_miner_importer.hpp"
#include "service/registry/registry_codec.hpp"
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

ChainImportOptions devnet_sectors(std::vector<uint64_t> numbers)
{
    return {{1002, 't'}, std::move(numbers), "store-a"};
}

} // namespace

TEST_CASE("chain import: the devnet CC sector, ticket re-drawn from the chain", "[chain][importers]")
{
    const auto &devnet = dmc::test::use_vector("sdr", "end_to_end_2kib_cc_lotus_devnet");
    DevnetStub fixture;
    auto node = fixture.node();
    auto batch = import_from_chain(node, devnet_sectors({1}));
    REQUIRE(batch.ok());
    const core::SectorRecord *record = find_record(*batch, 1);
    REQUIRE(record);
    CHECK(to_hex(record->ticket.value()) == devnet.at("inputs").at("ticket_hex").get<std::string>());
    CHECK(record->ticket_epoch == 1822);
    CHECK(record->comm_r == devnet.at("expected").at("comm_r_cid").get<std::string>());
    CHECK(record->comm_d == devnet.at("expected").at("comm_d_cid").get<std::string>());
    CHECK(record->pieces.empty());
    CHECK(record->proof_id == 5);
    CHECK(record->store == "store-a");
    // The precommit was read at the tipset of Activation (2740), not at the head.
    const auto params = fixture.stub.last_params("StateSectorPreCommitInfo");
    REQUIRE(params.is_array());
    CHECK(params[2][0]["/"] == fixture.stub.last_params("StateGetRandomnessFromTickets")[3][0]["/"]);
    CHECK(fixture.stub.last_params("ChainGetTipSetByHeight")[0] == 2740);
}

TEST_CASE("chain import: deal pieces from the market, checked against UnsealedCid", "[chain][importers]")
{
    DevnetStub fixture;
    auto node = fixture.node();
    auto batch = import_from_chain(node, devnet_sectors({2}));
    REQUIRE(batch.ok());
    const core::SectorRecord *record = find_record(*batch, 2);
    REQUIRE(record);
    CHECK(record->comm_d == dmc::test::kTwoPieceCommD);
    REQUIRE(record->pieces.size() == 1);
    CHECK(record->pieces[0].cid == dmc::test::kDealPieceCid);
    CHECK(record->pieces[0].deal_id == 5432u);
    CHECK(fixture.stub.call_count("StateMarketStorageDeal") == 1);
}

TEST_CASE("chain import: the chain and lotus-miner give the same records", "[chain][importers]")
{
    DevnetStub fixture;
    auto node = fixture.node();
    auto miner = fixture.miner();
    auto from_chain = import_from_chain(node, devnet_sectors({1, 2}));
    auto from_miner = import_from_lotus_miner(miner, nullptr, {std::nullopt, "store-a", 't'});
    REQUIRE(from_chain.ok());
    REQUIRE(from_miner.ok());
    REQUIRE(from_chain->records.size() == 2);
    REQUIRE(from_miner->records.size() == 2);
    // Registered from lotus-miner, then imported from the chain: unchanged
    // (the chain does not know lotus' KeepUnsealed, so it cannot contradict it).
    for (size_t index = 0; index < 2; ++index)
        CHECK(service::codec::registered_values_difference(from_miner->records[index], from_chain->records[index]) ==
              "");
}

TEST_CASE("chain import: not on chain is refused; pieces the chain lacks leave it incomplete", "[chain][importers]")
{
    DevnetStub fixture;
    fixture.stub.add_sector(fixture.snapped_sector(3));
    auto ddo = fixture.snapped_sector(4);
    ddo.comm_r_new.reset();
    ddo.comm_d = dmc::test::kTwoPieceCommD;
    ddo.pieces = {{1024, dmc::test::kDealPieceCid, 0}, {1024, dmc::test::kFillerPieceCid, std::nullopt}};
    fixture.stub.add_sector(ddo);
    auto node = fixture.node();
    auto batch = import_from_chain(node, devnet_sectors({3, 4, 9}));
    REQUIRE(batch.ok());
    CHECK(batch->records.empty());
    REQUIRE(find_skipped(batch->refused, 9));
    CHECK(find_skipped(batch->refused, 9)->reason == "not on chain at height 3000 (StateSectorGetInfo returned null)");
    REQUIRE(find_skipped(batch->incomplete, 3));
    CHECK(find_skipped(batch->incomplete, 3)->reason.find("upgraded by SnapDeals") != std::string::npos);
    REQUIRE(find_skipped(batch->incomplete, 4));
    CHECK(find_skipped(batch->incomplete, 4)->reason.find("DDO pieces are not in chain state") != std::string::npos);
}

TEST_CASE("chain check: a record whose CommR differs from the chain is refused with both values", "[chain][importers]")
{
    const auto &devnet = dmc::test::use_vector("sdr", "end_to_end_2kib_cc_lotus_devnet");
    DevnetStub fixture;
    auto node = fixture.node();
    auto miner = fixture.miner();
    auto batch = import_from_lotus_miner(miner, nullptr, {std::nullopt, "", 't'});
    REQUIRE(batch.ok());
    REQUIRE(batch->records.size() == 2);
    const std::string wrong = DevnetStub::sealed_cid(0x42);
    batch->records[0].comm_r = wrong;

    auto confirmation = confirm_on_chain(node, batch->records, 't');
    REQUIRE(confirmation.ok());
    CHECK(confirmation->height == 3000);
    REQUIRE(confirmation->confirmed.size() == 1);
    CHECK(confirmation->confirmed[0].number == 2);
    REQUIRE(confirmation->refused.size() == 1);
    CHECK(confirmation->refused[0].reason == "comm_r " + wrong + " differs from the chain's SealedCID " +
                                                 devnet.at("expected").at("comm_r_cid").get<std::string>() +
                                                 " at height 3000");
    drop_refused(*batch, *confirmation);
    REQUIRE(batch->records.size() == 1);
    CHECK(batch->refused.size() == 1);
}

TEST_CASE("chain check: SnapDeals records against SectorKeyCID and SealedCID", "[chain][importers]")
{
    DevnetStub fixture;
    const auto snapped = fixture.snapped_sector(3);
    fixture.stub.add_sector(snapped);
    auto node = fixture.node();
    auto miner = fixture.miner();
    auto batch = import_from_lotus_miner(miner, &node, {std::vector<uint64_t>{3}, "", 't'});
    REQUIRE(batch.ok());
    REQUIRE(batch->records.size() == 1);
    core::SectorRecord record = batch->records[0];

    std::vector<core::SectorRecord> records = {record};
    auto agrees = confirm_on_chain(node, records, 't');
    REQUIRE(agrees.ok());
    CHECK(agrees->refused.empty());

    records[0].snap->comm_r_new = DevnetStub::sealed_cid(0x43);
    auto wrong_update = confirm_on_chain(node, records, 't');
    REQUIRE(wrong_update.ok());
    REQUIRE(wrong_update->refused.size() == 1);
    CHECK(wrong_update->refused[0].reason.find("comm_r_new " + DevnetStub::sealed_cid(0x43) +
                                               " differs from the chain's SealedCID " + *snapped.comm_r_new) !=
          std::string::npos);

    records[0] = record;
    records[0].upgraded = false;
    records[0].snap.reset();
    auto not_upgraded = confirm_on_chain(node, records, 't');
    REQUIRE(not_upgraded.ok());
    REQUIRE(not_upgraded->refused.size() == 1);
    CHECK(not_upgraded->refused[0].reason.find("SectorKeyCID " + snapped.comm_r) != std::string::npos);
}

TEST_CASE("chain check: an unreachable node fails the comparison, naming it", "[chain][importers]")
{
    std::string address;
    {
        DevnetStub fixture;
        address = fixture.stub.api_info();
    } // stopped: nothing listens there now
    auto node = service::chain::FullNodeClient::from_api_info(
        address, {std::chrono::seconds(2), std::chrono::seconds(2), service::chain::kDefaultMaxResponseBytes,
                  service::chain::kDefaultMaxJsonDepth, true, ""});
    REQUIRE(node.ok());
    core::SectorRecord record;
    record.key = {1002, 1};
    std::vector<core::SectorRecord> records = {record};
    auto confirmation = confirm_on_chain(*node, records, 't');
    REQUIRE_FALSE(confirmation.ok());
    CHECK(confirmation.error().message.find("lotus 127.0.0.1:") != std::string::npos);
    CHECK(confirmation.error().message.find("Filecoin.ChainHead") != std::string::npos);
}
