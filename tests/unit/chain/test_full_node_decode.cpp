// SPDX-License-Identifier: Apache-2.0
//
// Full-node decoders on results written as Lotus writes them (the shapes of
// Lotus' api-methods documentation, with real commitment CIDs: the devnet
// sector t01002/1), the older result generations, and malformed input: wrong
// types, missing fields, bad base64, bad CIDs -> one error naming the field.
#include <catch2/catch.hpp>

#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/hex.hpp"
#include "service/chain/full_node_decode.hpp"

using namespace dmc;
using namespace dmc::service::chain;
using nlohmann::json;

namespace {

const char *kCommD = "baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy";
const char *kCommR = "bagboea4b5abcbnym7z3pgc64fk5wwsk3nsmz62jamgaa3pekzelmm3fv5q6g6zji";
const char *kCommROther = "bagboea4b5abcatlxechwbp7kjpjguna6r6q7ejrhe6mdp3lf34pmswn27pkkiekz";
const char *kCommRHex = "b70cfe76f30bdc2abb6b495b6c999f692061800dbc8ac916c66cb5ec3c6f6528";
const char *kBlockCid = "bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4";

// StateSectorGetInfo, current shape (no DealIDs; Flags, DailyFee).
json current_sector_info()
{
    return json::parse(std::string(R"({
  "SectorNumber": 1,
  "SealProof": 5,
  "SealedCID": {"/": ")") +
                       kCommR + R"("},
  "Activation": 2750,
  "Expiration": 1550000,
  "DealWeight": "0",
  "VerifiedDealWeight": "0",
  "InitialPledge": "0",
  "ExpectedDayReward": "0",
  "ExpectedStoragePledge": "0",
  "PowerBaseEpoch": 2750,
  "ReplacedDayReward": "0",
  "SectorKeyCID": null,
  "Flags": 0,
  "DailyFee": "0"
})");
}

std::string error_of(const json &result)
{
    auto decoded = decode_sector_on_chain_info(result);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().code == Errc::corrupt);
    return decoded.error().message;
}

} // namespace

TEST_CASE("chain decode: StateSectorGetInfo, current shape", "[chain][decode]")
{
    auto decoded = decode_sector_on_chain_info(current_sector_info());
    REQUIRE(decoded.ok());
    REQUIRE(decoded->has_value());
    const SectorOnChainInfo &info = **decoded;
    CHECK(info.sector_number == 1);
    CHECK(info.seal_proof == 5);
    CHECK(info.sealed_cid == kCommR);
    CHECK(to_hex(info.comm_r) == kCommRHex);
    CHECK(info.activation == 2750);
    CHECK(info.expiration == 1550000);
    CHECK_FALSE(info.sector_key_cid.has_value());
    CHECK_FALSE(info.deal_ids.has_value());
    CHECK(info.flags == std::optional<uint64_t>(0));
    CHECK(info.power_base_epoch == std::optional<int64_t>(2750));
    CHECK(info.initial_pledge == "0");
    CHECK(info.shape == SectorInfoShape::current);
}

TEST_CASE("chain decode: StateSectorGetInfo, null is not found", "[chain][decode]")
{
    auto decoded = decode_sector_on_chain_info(json(nullptr));
    REQUIRE(decoded.ok());
    CHECK_FALSE(decoded->has_value());
}

TEST_CASE("chain decode: StateSectorGetInfo, upgraded sector keeps the original CommR", "[chain][decode]")
{
    json result = current_sector_info();
    result["SealedCID"] = {{"/", kCommROther}};
    result["SectorKeyCID"] = {{"/", kCommR}};
    result["Flags"] = 1;
    auto decoded = decode_sector_on_chain_info(result);
    REQUIRE(decoded.ok());
    const SectorOnChainInfo &info = **decoded;
    CHECK(info.sealed_cid == kCommROther);
    REQUIRE(info.sector_key_cid == std::optional<std::string>(kCommR));
    REQUIRE(info.comm_r_old.has_value());
    CHECK(to_hex(*info.comm_r_old) == kCommRHex);
}

TEST_CASE("chain decode: StateSectorGetInfo, the two older generations carry DealIDs", "[chain][decode]")
{
    // 2024: DealIDs with PowerBaseEpoch and Flags.
    json with_flags = current_sector_info();
    with_flags.erase("DailyFee");
    with_flags["DealIDs"] = {5432, 5433};
    auto flags = decode_sector_on_chain_info(with_flags);
    REQUIRE(flags.ok());
    CHECK((*flags)->shape == SectorInfoShape::deal_ids_flags);
    CHECK((*flags)->deal_ids == std::optional<std::vector<uint64_t>>(std::vector<uint64_t>{5432, 5433}));

    // Before: DealIDs with ReplacedSectorAge and SimpleQAPower, no Flags.
    json with_qa = current_sector_info();
    for (const char *gone : {"DailyFee", "Flags", "PowerBaseEpoch"}) with_qa.erase(gone);
    with_qa["DealIDs"] = nullptr; // a CC sector: Go's nil slice
    with_qa["ReplacedSectorAge"] = 0;
    with_qa["SimpleQAPower"] = true;
    auto qa = decode_sector_on_chain_info(with_qa);
    REQUIRE(qa.ok());
    CHECK((*qa)->shape == SectorInfoShape::deal_ids_qa);
    CHECK((*qa)->deal_ids == std::optional<std::vector<uint64_t>>(std::vector<uint64_t>{}));
    CHECK_FALSE((*qa)->flags.has_value());
}

TEST_CASE("chain decode: StateSectorGetInfo, malformed input gives one error naming the field", "[chain][decode]")
{
    auto with = [](const char *field, json value) {
        json result = current_sector_info();
        result[field] = std::move(value);
        return result;
    };
    auto without = [](const char *field) {
        json result = current_sector_info();
        result.erase(field);
        return result;
    };
    CHECK(error_of(json::array()) == "result: expected a SectorOnChainInfo object or null, got an array");
    CHECK(error_of(without("SealedCID")) == "result: missing field \"SealedCID\"");
    CHECK(error_of(with("Activation", "2750")) == "Activation: expected an integer, got a string");
    CHECK(error_of(with("SectorNumber", -1)) == "SectorNumber: expected a non-negative integer, got -1");
    CHECK(error_of(with("SealProof", 42)) == "SealProof: seal proof 42 is not a registered seal proof");
    CHECK(error_of(with("SealedCID", kCommR)) == "SealedCID: expected a CID object {\"/\": \"…\"}, got a string");
    CHECK_THAT(error_of(with("SealedCID", {{"/", "bagboea4b5abc"}})), Catch::StartsWith("SealedCID: invalid CID"));
    // A CID that is valid but is no CommR (the docs' placeholder).
    CHECK_THAT(error_of(with("SealedCID", {{"/", kBlockCid}})),
               Catch::StartsWith("SealedCID: not a sealed (CommR) commitment CID"));
    CHECK_THAT(error_of(with("SectorKeyCID", {{"/", kCommD}})), Catch::StartsWith("SectorKeyCID: not a sealed"));
    CHECK(error_of(with("DealIDs", {1, "2"})) == "DealIDs[1]: expected an integer, got a string");
    CHECK(error_of(with("InitialPledge", 0)) ==
          "InitialPledge: expected a big integer as a decimal string, got an integer");
    CHECK(error_of(with("Flags", true)) == "Flags: expected an integer, got a boolean");
}

TEST_CASE("chain decode: ChainGetTipSetByHeight / ChainHead", "[chain][decode]")
{
    // As documented, Blocks abbreviated: they are not read.
    const json result = json::parse(R"({
  "Cids": [{"/": "bafy2bzacedo7hjsumaajt6sbor42qycvjyk6goqe4oi4o4ddsjxkdeqrqf42c"},
           {"/": "bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4"}],
  "Blocks": [{"Miner": "f01938223", "Height": 4863283, "ParentWeight": "116013147118"}],
  "Height": 4863283
})");
    auto tipset = decode_tipset(result);
    REQUIRE(tipset.ok());
    CHECK(tipset->height == 4863283);
    REQUIRE(tipset->key.cids.size() == 2);
    CHECK(tipset->key.cids[1] == kBlockCid);

    json empty = result;
    empty["Cids"] = json::array();
    CHECK(decode_tipset(empty).error().message == "Cids: a tipset has at least one block CID");
    json bad_cid = result;
    bad_cid["Cids"][0] = {{"/", 12}};
    CHECK(decode_tipset(bad_cid).error().message == "Cids[0]: the CID under \"/\" is an integer, not a string");
    json negative = result;
    negative["Height"] = -5;
    CHECK(decode_tipset(negative).error().message == "Height: a tipset height is not negative");
    CHECK(decode_tipset(json(nullptr)).error().message == "result: expected a TipSet object, got null");
}

TEST_CASE("chain decode: StateSectorPreCommitInfo", "[chain][decode]")
{
    const json result = json::parse(std::string(R"({
  "Info": {
    "SealProof": 5,
    "SectorNumber": 1,
    "SealedCID": {"/": ")") + kCommR +
                                    R"("},
    "SealRandEpoch": 1822,
    "DealIDs": null,
    "Expiration": 1550000,
    "UnsealedCid": {"/": ")" + kCommD +
                                    R"("}
  },
  "PreCommitDeposit": "0",
  "PreCommitEpoch": 1840
})");
    auto decoded = decode_precommit_info(result);
    REQUIRE(decoded.ok());
    REQUIRE(decoded->has_value());
    const SectorPreCommitInfo &info = **decoded;
    CHECK(info.seal_proof == 5);
    CHECK(info.sector_number == 1);
    CHECK(info.seal_rand_epoch == 1822);
    CHECK(info.deal_ids.empty());
    CHECK(info.unsealed_cid == std::optional<std::string>(kCommD));
    CHECK(to_hex(*info.comm_d) == "fc7e928296e516faade986b28f92d44a4f24b935485223376a799027bc18f833");
    CHECK(info.precommit_epoch == std::optional<int64_t>(1840));
    CHECK(to_hex(info.comm_r) == kCommRHex);

    auto absent = decode_precommit_info(json(nullptr));
    REQUIRE(absent.ok());
    CHECK_FALSE(absent->has_value());

    json no_unsealed = result;
    no_unsealed["Info"]["UnsealedCid"] = nullptr;
    no_unsealed["Info"]["DealIDs"] = {5432};
    auto cc = decode_precommit_info(no_unsealed);
    REQUIRE(cc.ok());
    CHECK_FALSE((*cc)->unsealed_cid.has_value());
    CHECK((*cc)->deal_ids == std::vector<uint64_t>{5432});

    json bad = result;
    bad["Info"]["SealRandEpoch"] = 1.5;
    CHECK(decode_precommit_info(bad).error().message ==
          "Info.SealRandEpoch: expected an integer, got a fractional number");
    bad = result;
    bad["Info"]["UnsealedCid"] = {{"/", kCommR}};
    CHECK_THAT(decode_precommit_info(bad).error().message, Catch::StartsWith("Info.UnsealedCid: not an unsealed"));
    bad = result;
    bad["Info"] = "x";
    CHECK(decode_precommit_info(bad).error().message == "Info: expected an object, got a string");
}

TEST_CASE("chain decode: StateGetRandomnessFromTickets", "[chain][decode]")
{
    auto ticket = decode_randomness("w6HKErmBqKWfmkdk7fM5jt0jmyr6jKK71X4AkewZOqA=");
    REQUIRE(ticket.ok());
    CHECK(to_hex(*ticket) == "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0");
    // The documentation's example ("Bw==") is one byte: not a ticket.
    CHECK(decode_randomness("Bw==").error().message == "result: randomness is 1 bytes, want 32");
    CHECK_THAT(decode_randomness("w6HKErmBqKWfmkdk7fM5jt0jmyr6jKK71X4AkewZOqA").error().message,
               Catch::StartsWith("result: invalid base64"));
    CHECK_THAT(decode_randomness("w6HKErmBqKWf!kdk7fM5jt0jmyr6jKK71X4AkewZOqA=").error().message,
               Catch::Contains("not in the alphabet"));
    CHECK(decode_randomness(json(nullptr)).error().message ==
          "result: expected randomness as base64 (a string), got null");
}

TEST_CASE("chain decode: StateMarketStorageDeal", "[chain][decode]")
{
    const json result = json::parse(std::string(R"({
  "Proposal": {
    "PieceCID": {"/": ")") + kCommD +
                                    R"("},
    "PieceSize": 2048,
    "VerifiedDeal": true,
    "Client": "f1abjxfbp274xpdqcpuaykwkfb43omjotacm2p3za",
    "Provider": "f01234",
    "Label": "",
    "StartEpoch": 10101,
    "EndEpoch": 20202,
    "StoragePricePerEpoch": "0",
    "ProviderCollateral": "0",
    "ClientCollateral": "0"
  },
  "State": {
    "SectorNumber": 9,
    "SectorStartEpoch": 10100,
    "LastUpdatedEpoch": 10101,
    "SlashEpoch": -1
  }
})");
    auto deal = decode_market_deal(result);
    REQUIRE(deal.ok());
    CHECK(deal->piece_cid == kCommD);
    CHECK(deal->piece_size == 2048);
    CHECK(deal->verified_deal);
    CHECK(deal->provider == "f01234");
    CHECK(deal->start_epoch == 10101);
    CHECK(deal->end_epoch == 20202);
    CHECK(deal->sector_number == std::optional<uint64_t>(9));
    CHECK(deal->sector_start_epoch == 10100);
    CHECK(deal->slash_epoch == -1);

    json older = result;
    older["State"].erase("SectorNumber");
    auto older_deal = decode_market_deal(older);
    REQUIRE(older_deal.ok());
    CHECK_FALSE(older_deal->sector_number.has_value());

    json bad = result;
    bad["Proposal"]["PieceSize"] = 1032; // the documentation's placeholder
    CHECK(decode_market_deal(bad).error().message ==
          "Proposal.PieceSize: 1032 is not a padded piece size (a power of two >= 128)");
    bad = result;
    bad["Proposal"]["PieceCID"] = {{"/", kCommR}};
    CHECK_THAT(decode_market_deal(bad).error().message, Catch::StartsWith("Proposal.PieceCID: not an unsealed"));
    bad = result;
    bad.erase("State");
    CHECK(decode_market_deal(bad).error().message == "result: missing field \"State\"");
}

TEST_CASE("chain decode: StateNetworkName / StateNetworkVersion", "[chain][decode]")
{
    CHECK(decode_network_name("calibrationnet").value() == "calibrationnet");
    CHECK(decode_network_name("").error().message == "result: empty network name");
    CHECK(decode_network_version(29).value() == 29);
    CHECK(decode_network_version("29").error().message == "result: expected an integer, got a string");
    CHECK(is_padded_piece_size(128));
    CHECK(is_padded_piece_size(uint64_t(1) << 36));
    CHECK_FALSE(is_padded_piece_size(64));
    CHECK_FALSE(is_padded_piece_size(2032));
}
