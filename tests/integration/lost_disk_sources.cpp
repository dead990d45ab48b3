// SPDX-License-Identifier: Apache-2.0
#include "lost_disk_sources.hpp"

#include <catch2/catch.hpp>

#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/piece.hpp"
#include "service/chain/base64.hpp"

namespace dmc::test::lost_disk {

using nlohmann::json;

namespace {

constexpr uint64_t kSectorSize = 2048;

std::string cc_comm_d()
{
    return commitment_to_cid(zero_piece_commitment(kSectorSize).value(), CommitmentKind::unsealed);
}

std::string zero_cid(uint64_t size)
{
    return commitment_to_cid(zero_piece_commitment(size).value(), CommitmentKind::unsealed);
}

// The data piece: the sector's, or the update's for a snapped sector.
const json &data_pieces(const SealedSector &sector)
{
    return sector.snapped ? sector.seal["sector"]["snap"]["pieces"] : sector.seal["sector"]["pieces"];
}

StubBytes32 ticket_bytes(const SealedSector &sector)
{
    StubBytes32 ticket{};
    const auto decoded = bytes32_from_hex(sector.seal["sector"]["ticket"].get<std::string>()).value();
    std::copy(decoded.begin(), decoded.end(), ticket.begin());
    return ticket;
}

std::string ticket_hex(const SealedSector &sector) { return sector.seal["sector"]["ticket"]; }

std::string base64_of_hex(const std::string &hex)
{
    const auto bytes = from_hex(hex).value();
    return service::chain::base64_encode(bytes);
}

// The original (sector key) CommD and CommR.
std::string comm_d_of(const SealedSector &sector)
{
    return sector.snapped ? cc_comm_d() : sector.seal["comm_d"].get<std::string>();
}

std::string comm_r_of(const SealedSector &sector) { return sector.seal["comm_r"]; }

json cid_object(const std::string &cid) { return {{"/", cid}}; }

} // namespace

std::vector<LotusStubPiece> lotus_pieces(const SealedSector &sector)
{
    std::vector<LotusStubPiece> pieces;
    uint64_t end = 0;
    for (const auto &piece : data_pieces(sector)) {
        const uint64_t size = piece["size"];
        REQUIRE(piece["offset"].get<uint64_t>() == end); // one piece at 0 in these tests
        pieces.push_back({size, piece["cid"], sector.deal_id});
        end += size;
    }
    // Fillers up to the sector size, smallest first (lotus' fillersFromRem).
    for (uint64_t size = 128; end < kSectorSize; size *= 2)
        if ((kSectorSize - end) & size) {
            pieces.push_back({size, zero_cid(size), std::nullopt});
            end += size;
        }
    if (pieces.empty()) pieces.push_back({kSectorSize, cc_comm_d(), std::nullopt});
    return pieces;
}

LotusStubSector stub_sector(const SealedSector &sector)
{
    LotusStubSector stub;
    stub.miner = kMiner;
    stub.number = sector.number;
    stub.seal_proof = 5;
    stub.ticket = ticket_bytes(sector);
    stub.ticket_epoch = sector.ticket_epoch;
    stub.comm_d = comm_d_of(sector);
    stub.comm_r = comm_r_of(sector);
    stub.precommit_epoch = sector.ticket_epoch + 10;
    stub.activation = sector.ticket_epoch + 30;
    stub.expiration = 600000;
    stub.pieces = lotus_pieces(sector);
    if (sector.snapped) {
        stub.comm_r_new = sector.seal["comm_r_new"].get<std::string>();
        stub.update_epoch = sector.ticket_epoch + 60;
    }
    return stub;
}

LotusStubDeal stub_deal(const SealedSector &sector)
{
    const json &piece = data_pieces(sector).at(0);
    LotusStubDeal deal;
    deal.deal_id = sector.deal_id;
    deal.piece_cid = piece["cid"];
    deal.piece_size = piece["size"];
    deal.provider = kMiner;
    deal.start_epoch = sector.ticket_epoch + 20;
    deal.end_epoch = 540000;
    deal.sector_number = sector.number;
    deal.sector_start_epoch = sector.ticket_epoch + 30;
    return deal;
}

std::string curio_rows(const std::vector<SealedSector> &sectors, const std::string &storage)
{
    std::string sql;
    for (const auto &sector : sectors) {
        const std::string number = std::to_string(sector.number);
        const std::string cur_sealed =
            sector.snapped ? sector.seal["comm_r_new"].get<std::string>() : comm_r_of(sector);
        const std::string cur_unsealed =
            sector.snapped ? sector.seal["comm_d_new"].get<std::string>() : comm_d_of(sector);
        sql += "INSERT INTO sectors_meta (sp_id, sector_num, reg_seal_proof, ticket_epoch, ticket_value, "
               "orig_sealed_cid, orig_unsealed_cid, cur_sealed_cid, cur_unsealed_cid, seed_epoch, seed_value, "
               "has_sector_key) VALUES (1002, " +
               number + ", 5, " + std::to_string(sector.ticket_epoch) + ", decode('" + ticket_hex(sector) +
               "', 'hex'), '" + comm_r_of(sector) + "', '" + comm_d_of(sector) + "', '" + cur_sealed + "', '" +
               cur_unsealed + "', 0, '\\x00', " + (sector.snapped ? "TRUE" : "FALSE") + ");\n";
        // Curio keeps the data pieces of a sector it sealed, no fillers.
        uint64_t index = 0;
        for (const auto &piece : data_pieces(sector))
            sql += "INSERT INTO sectors_meta_pieces (sp_id, sector_num, piece_num, piece_cid, piece_size, "
                   "requested_keep_data, f05_deal_id) VALUES (1002, " +
                   number + ", " + std::to_string(index++) + ", '" + piece["cid"].get<std::string>() + "', " +
                   std::to_string(piece["size"].get<uint64_t>()) + ", FALSE, " + std::to_string(sector.deal_id) +
                   ");\n";
        sql += "INSERT INTO sector_location (miner_id, sector_num, sector_filetype, storage_id, is_primary) VALUES "
               "(1002, " +
               number + ", " + (sector.snapped ? "8" : "2") + ", '" + storage + "', TRUE);\n";
    }
    return sql;
}

std::string damocles_export(const std::vector<SealedSector> &sectors)
{
    std::string lines;
    for (const auto &sector : sectors) {
        const json ticket = {{"Ticket", base64_of_hex(ticket_hex(sector))}, {"Epoch", sector.ticket_epoch}};
        json pieces = json::array();
        for (const auto &piece : lotus_pieces(sector)) {
            json deal = nullptr;
            if (piece.deal_id)
                deal = {{"DealID", *piece.deal_id},
                        {"PublishCid", nullptr},
                        {"AllocationID", 0},
                        {"PieceCID", cid_object(piece.piece_cid)},
                        {"PieceSize", piece.padded_size},
                        {"Offset", 0},
                        {"Length", piece.padded_size},
                        {"PayloadSize", piece.padded_size / 128 * 127},
                        {"IsBuiltinMarket", true},
                        {"IsCompatible", false}};
            pieces.push_back({{"Piece", {{"Size", piece.padded_size}, {"PieceCID", cid_object(piece.piece_cid)}}},
                              {"DealInfo", deal}});
        }
        json state = {
            {"ID", {{"Miner", kMiner}, {"Number", sector.number}}},
            {"SectorType", 5},
            {"Ticket", ticket},
            {"Deals", nullptr},
            {"Pieces", pieces},
            {"Pre",
             {{"CommR", cid_object(comm_r_of(sector))}, {"CommD", cid_object(comm_d_of(sector))}, {"Ticket", ticket}}},
            {"MessageInfo", {{"PreCommitCid", nullptr}, {"CommitCid", nullptr}, {"NeedSend", false}}},
            {"Finalized", true},
            {"Removed", false},
            {"AbortReason", ""},
            {"Upgraded", sector.snapped},
            {"UpgradePublic", nullptr},
            {"UpgradedInfo", nullptr},
            {"Imported", false},
            {"NeedRebuild", false},
            {"Unsealing", false}};
        if (sector.snapped) {
            state["UpgradePublic"] = {{"SealedCID", cid_object(comm_r_of(sector))},
                                      {"Activation", sector.ticket_epoch + 30},
                                      {"Expiration", 600000}};
            state["UpgradedInfo"] = {{"AccessInstance", "store-a"},
                                     {"SealedCID", cid_object(sector.seal["comm_r_new"].get<std::string>())},
                                     {"UnsealedCID", cid_object(sector.seal["comm_d_new"].get<std::string>())},
                                     {"Proof", nullptr}};
        }
        lines += state.dump() + "\n";
    }
    return lines;
}

} // namespace dmc::test::lost_disk
