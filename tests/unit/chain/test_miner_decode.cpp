// SPDX-License-Identifier: Apache-2.0
//
// lotus-miner decoders on results written as lotus-miner writes them
// (api.SectorInfo as in Lotus' miner api-methods documentation, with the
// devnet sector t01002/1's real values), and malformed input.
#include <catch2/catch.hpp>

#include "damocles/sdk/hex.hpp"
#include "service/chain/miner_decode.hpp"

using namespace dmc;
using namespace dmc::service::chain;
using nlohmann::json;

namespace {

const char *kCommD = "baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy";
const char *kCommR = "bagboea4b5abcbnym7z3pgc64fk5wwsk3nsmz62jamgaa3pekzelmm3fv5q6g6zji";
// CommP of a 1 KiB and of a 512-byte zero piece (fillers), computed apart.
const char *kZeroPiece1KiB = "baga6ea4seaqb66wjlfkrbye6uqoemcyxmqylwmrm235uclwfpsyx3ge2imidoly";
const char *kZeroPiece512 = "baga6ea4seaqfpirydiugkk7up5v666wkm6n6jlw6lby2wxht5mwaqekerdfykjq";
const char *kBlockCid = "bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4";

// The devnet sector as lotus-miner reports it (CC: one zero piece, no deal).
json devnet_sector_status()
{
    return json::parse(std::string(R"({
  "SectorID": 1,
  "State": "Proving",
  "CommD": {"/": ")") + kCommD +
                       R"("},
  "CommR": {"/": ")" + kCommR +
                       R"("},
  "Proof": "Ynl0ZSBhcnJheQ==",
  "Deals": null,
  "Pieces": [
    {"Piece": {"Size": 2048, "PieceCID": {"/": ")" +
                       kCommD + R"("}}, "DealInfo": null}
  ],
  "Ticket": {"Value": "w6HKErmBqKWfmkdk7fM5jt0jmyr6jKK71X4AkewZOqA=", "Epoch": 1822},
  "Seed": {"Value": "Yqnsh5S9uc+YmePh/endPITssoW/7qzn/b9JJLJeuoU=", "Epoch": 2733},
  "PreCommitMsg": {"/": ")" +
                       kBlockCid + R"("},
  "CommitMsg": {"/": ")" +
                       kBlockCid + R"("},
  "Retries": 0,
  "ToUpgrade": false,
  "ReplicaUpdateMessage": null,
  "LastErr": "",
  "Log": [{"Kind": "event;sealing.SectorStart", "Timestamp": 1700000000, "Trace": "", "Message": ""}],
  "SealProof": 5,
  "Activation": 2750,
  "Expiration": 1550000,
  "DealWeight": "0",
  "VerifiedDealWeight": "0",
  "InitialPledge": "0",
  "OnTime": 1550000,
  "Early": 0
})");
}

// A deal piece as the documentation shows DealInfo (market deal and DDO manifest).
json deal_info(uint64_t deal_id)
{
    return json::parse(std::string(R"({
  "PublishCid": {"/": ")") +
                       kBlockCid + R"("},
  "DealID": )" + std::to_string(deal_id) +
                       R"(,
  "DealProposal": {"PieceCID": {"/": ")" +
                       kZeroPiece1KiB + R"("}, "PieceSize": 1024, "VerifiedDeal": true,
                   "Client": "f01234", "Provider": "f01234", "Label": "", "StartEpoch": 10101, "EndEpoch": 10101,
                   "StoragePricePerEpoch": "0", "ProviderCollateral": "0", "ClientCollateral": "0"},
  "DealSchedule": {"StartEpoch": 10101, "EndEpoch": 10101},
  "PieceActivationManifest": null,
  "KeepUnsealed": true
})");
}

std::string error_of(const json &result)
{
    auto decoded = decode_miner_sector_info(result);
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.error().code == Errc::corrupt);
    return decoded.error().message;
}

} // namespace

TEST_CASE("chain decode: SectorsStatus of the devnet sector", "[chain][decode][miner]")
{
    auto decoded = decode_miner_sector_info(devnet_sector_status());
    REQUIRE(decoded.ok());
    const MinerSectorInfo &info = *decoded;
    CHECK(info.sector_id == 1);
    CHECK(info.state == "Proving");
    CHECK(info.comm_d_cid == std::optional<std::string>(kCommD));
    CHECK(to_hex(*info.comm_d) == "fc7e928296e516faade986b28f92d44a4f24b935485223376a799027bc18f833");
    CHECK(to_hex(*info.comm_r) == "b70cfe76f30bdc2abb6b495b6c999f692061800dbc8ac916c66cb5ec3c6f6528");
    REQUIRE(info.ticket.value.has_value());
    CHECK(to_hex(*info.ticket.value) == "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0");
    CHECK(info.ticket.epoch == 1822);
    CHECK(to_hex(*info.seed.value) == "62a9ec8794bdb9cf9899e3e1fde9dd3c84ecb285bfeeace7fdbf4924b25eba85");
    CHECK(info.seed.epoch == 2733);
    CHECK(info.seal_proof == 5);
    CHECK(info.activation == 2750);
    CHECK(info.expiration == 1550000);
    CHECK(info.deals.empty());
    REQUIRE(info.pieces.size() == 1);
    CHECK(info.pieces[0].is_filler());
    CHECK(info.pieces[0].padded_size == 2048);
    CHECK_FALSE(info.to_upgrade);
}

TEST_CASE("chain decode: SectorsStatus keeps piece order, fillers and deals", "[chain][decode][miner]")
{
    json result = devnet_sector_status();
    json ddo = deal_info(0);
    ddo["PublishCid"] = nullptr;
    ddo["DealProposal"] = nullptr;
    ddo["PieceActivationManifest"] = json::parse(std::string(R"({"CID": {"/": ")") + kZeroPiece1KiB +
                                                 R"("}, "Size": 1024, "VerifiedAllocationKey": null, "Notify": null})");
    result["Pieces"] = json::array({
        {{"Piece", {{"Size", 1024}, {"PieceCID", {{"/", kZeroPiece1KiB}}}}}, {"DealInfo", deal_info(5432)}},
        {{"Piece", {{"Size", 512}, {"PieceCID", {{"/", kZeroPiece512}}}}}, {"DealInfo", nullptr}},
        {{"Piece", {{"Size", 1024}, {"PieceCID", {{"/", kZeroPiece1KiB}}}}}, {"DealInfo", ddo}},
    });
    result["Deals"] = {5432};
    auto decoded = decode_miner_sector_info(result);
    REQUIRE(decoded.ok());
    const auto &pieces = decoded->pieces;
    REQUIRE(pieces.size() == 3);
    CHECK(pieces[0].padded_size == 1024);
    REQUIRE(pieces[0].deal.has_value());
    CHECK(pieces[0].deal->deal_id == 5432);
    CHECK(pieces[0].deal->publish_cid == std::optional<std::string>(kBlockCid));
    CHECK(pieces[0].deal->keep_unsealed);
    CHECK_FALSE(pieces[0].deal->has_activation_manifest);
    CHECK(pieces[1].is_filler());
    CHECK(pieces[1].piece_cid == kZeroPiece512);
    REQUIRE(pieces[2].deal.has_value());
    CHECK(pieces[2].deal->deal_id == 0);
    CHECK(pieces[2].deal->has_activation_manifest);
    CHECK(decoded->deals == std::vector<uint64_t>{5432});
}

TEST_CASE("chain decode: SectorsStatus of a sector still sealing (nulls)", "[chain][decode][miner]")
{
    json result = devnet_sector_status();
    result["State"] = "PreCommit1";
    result["CommD"] = nullptr;
    result["CommR"] = nullptr;
    result["Proof"] = nullptr;
    result["Ticket"] = {{"Value", nullptr}, {"Epoch", 0}};
    result["Seed"] = {{"Value", nullptr}, {"Epoch", 0}};
    result["Pieces"] = nullptr;
    auto decoded = decode_miner_sector_info(result);
    REQUIRE(decoded.ok());
    CHECK_FALSE(decoded->comm_d.has_value());
    CHECK_FALSE(decoded->comm_r.has_value());
    CHECK_FALSE(decoded->ticket.value.has_value());
    CHECK(decoded->pieces.empty());
}

TEST_CASE("chain decode: SectorsStatus, malformed input gives one error naming the field", "[chain][decode][miner]")
{
    json result = devnet_sector_status();
    auto edit = [&](auto change) {
        json copy = result;
        change(copy);
        return copy;
    };
    CHECK(error_of(edit([](json &r) { r["Ticket"]["Value"] = "w6HKErmBqKWfmkdk7fM5jt0jmyr6jKK71X4AkewZOqA"; })) ==
          "Ticket.Value: invalid base64: length 43 is not a multiple of 4");
    CHECK(error_of(edit([](json &r) { r["Ticket"]["Value"] = "Bw=="; })) == "Ticket.Value: 1 bytes, want 32");
    CHECK(error_of(edit([](json &r) { r["Ticket"].erase("Epoch"); })) == "Ticket: missing field \"Epoch\"");
    CHECK(error_of(edit([](json &r) { r["Pieces"][0].erase("DealInfo"); })) == "Pieces[0]: missing field \"DealInfo\"");
    CHECK(error_of(edit([](json &r) { r["Pieces"][0]["DealInfo"] = 7; })) ==
          "Pieces[0].DealInfo: expected an object or null, got an integer");
    CHECK(error_of(edit([](json &r) { r["Pieces"][0]["Piece"]["Size"] = 2032; })) ==
          "Pieces[0].Piece.Size: 2032 is not a padded piece size (a power of two >= 128)");
    CHECK_THAT(error_of(edit([](json &r) {
                   r["Pieces"][0]["Piece"]["PieceCID"] = {{"/", kCommR}};
               })),
               Catch::StartsWith("Pieces[0].Piece.PieceCID: not an unsealed"));
    CHECK(error_of(edit([](json &r) { r["Pieces"] = "none"; })) == "Pieces: expected an array, got a string");
    CHECK_THAT(error_of(edit([](json &r) { r["CommR"] = {{"/", kCommD}}; })), Catch::StartsWith("CommR: not a sealed"));
    CHECK(error_of(edit([](json &r) { r["CommD"] = {{"/", "baga6ea4seaq"}}; })).rfind("CommD: invalid CID", 0) == 0);
    CHECK(error_of(edit([](json &r) { r["SectorID"] = "1"; })) == "SectorID: expected an integer, got a string");
    CHECK(error_of(edit([](json &r) { r["ToUpgrade"] = 0; })) == "ToUpgrade: expected true or false, got an integer");
    CHECK(error_of(edit([](json &r) { r["Deals"] = {{"a", 1}}; })) == "Deals: expected an array, got an object");
    CHECK(error_of(json("Proving")) == "result: expected a SectorInfo object, got a string");
}

TEST_CASE("chain decode: SectorsList and ActorAddress", "[chain][decode][miner]")
{
    CHECK(decode_sector_numbers(json::parse("[123, 124]")).value() == std::vector<uint64_t>{123, 124});
    CHECK(decode_sector_numbers(json(nullptr)).value().empty());
    CHECK(decode_sector_numbers(json::parse("[1, -2]")).error().message ==
          "result[1]: expected a non-negative integer, got -2");
    CHECK(decode_sector_numbers(json::parse("{}")).error().message == "result: expected an array, got an object");
    CHECK(decode_actor_address("f01234").value() == IdAddress{1234, 'f'});
    CHECK(decode_actor_address("t01002").value() == IdAddress{1002, 't'});
    CHECK_THAT(decode_actor_address("f3abc").error().message, Catch::Contains("not an ID address"));
    CHECK(decode_actor_address(1234).error().message == "result: expected a string, got an integer");
}
