// SPDX-License-Identifier: Apache-2.0
//
// Reads the stub's fixture files (tests/fixtures/lotus/README.md): sectors,
// deals, randomness and faults written in Lotus' own encodings, so a fixture
// reads like what a node would answer. Test-support code: nlohmann's
// exceptions are caught here and become one error naming the entry.
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "lotus_stub.hpp"
#include "lotus_stub_chain.hpp"

namespace dmc::test {

using nlohmann::json;

namespace {

struct FixtureError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// {"/": "<cid>"} -> "<cid>".
std::string cid_of(const json &value, const std::string &where)
{
    if (!value.is_object() || !value.contains("/") || !value["/"].is_string())
        throw FixtureError(where + ": expected {\"/\": \"<cid>\"}");
    return value["/"].get<std::string>();
}

std::vector<uint8_t> bytes_of(const json &value, const std::string &where)
{
    if (!value.is_string()) throw FixtureError(where + ": expected base64");
    auto bytes = lotus_stub_unbase64(value.get<std::string>());
    if (!bytes) throw FixtureError(where + ": invalid base64");
    return *bytes;
}

StubBytes32 bytes32_of(const json &value, const std::string &where)
{
    const auto bytes = bytes_of(value, where);
    if (bytes.size() != 32) throw FixtureError(where + ": expected 32 bytes");
    StubBytes32 out;
    std::copy(bytes.begin(), bytes.end(), out.begin());
    return out;
}

// "t01234" -> 1234, and the network letter.
uint64_t actor_of(const json &value, const std::string &where, char *network = nullptr)
{
    const std::string text = value.get<std::string>();
    if (text.size() < 3 || (text[0] != 'f' && text[0] != 't') || text[1] != '0')
        throw FixtureError(where + ": expected an ID address like t01000");
    if (network) *network = text[0];
    return std::stoull(text.substr(2));
}

LotusStubSector sector_of(const json &entry, const std::string &where)
{
    LotusStubSector sector;
    sector.miner = actor_of(entry.at("Miner"), where + ".Miner");
    sector.number = entry.at("SectorNumber").get<uint64_t>();
    sector.seal_proof = entry.at("SealProof").get<uint64_t>();
    sector.state = entry.value("State", std::string("Proving"));
    sector.ticket = bytes32_of(entry.at("Ticket").at("Value"), where + ".Ticket.Value");
    sector.ticket_epoch = entry.at("Ticket").at("Epoch").get<int64_t>();
    if (entry.contains("Seed") && !entry["Seed"].at("Value").is_null()) {
        sector.seed = bytes32_of(entry["Seed"]["Value"], where + ".Seed.Value");
        sector.seed_epoch = entry["Seed"].at("Epoch").get<int64_t>();
    }
    sector.comm_d = cid_of(entry.at("CommD"), where + ".CommD");
    sector.comm_r = cid_of(entry.at("CommR"), where + ".CommR");
    if (entry.contains("UpdatedSealedCID") && !entry["UpdatedSealedCID"].is_null()) {
        sector.comm_r_new = cid_of(entry["UpdatedSealedCID"], where + ".UpdatedSealedCID");
        sector.update_epoch = entry.at("UpdateEpoch").get<int64_t>();
    }
    sector.precommit_epoch = entry.at("PreCommitEpoch").get<int64_t>();
    sector.activation = entry.at("Activation").get<int64_t>();
    sector.expiration = entry.at("Expiration").get<int64_t>();
    sector.legacy_shape = entry.value("LegacyShape", false);
    size_t index = 0;
    for (const auto &item : entry.at("Pieces")) {
        const std::string at = where + ".Pieces[" + std::to_string(index++) + "]";
        LotusStubPiece piece;
        piece.padded_size = item.at("Piece").at("Size").get<uint64_t>();
        piece.piece_cid = cid_of(item.at("Piece").at("PieceCID"), at + ".Piece.PieceCID");
        if (!item.at("DealInfo").is_null()) piece.deal_id = item["DealInfo"].at("DealID").get<uint64_t>();
        sector.pieces.push_back(piece);
    }
    if (!(sector.ticket_epoch < sector.precommit_epoch && sector.precommit_epoch <= sector.activation))
        throw FixtureError(where + ": want Ticket.Epoch < PreCommitEpoch <= Activation");
    return sector;
}

LotusStubDeal deal_of(const json &entry, const std::string &where)
{
    LotusStubDeal deal;
    deal.deal_id = entry.at("DealID").get<uint64_t>();
    const json &proposal = entry.at("Proposal");
    deal.piece_cid = cid_of(proposal.at("PieceCID"), where + ".Proposal.PieceCID");
    deal.piece_size = proposal.at("PieceSize").get<uint64_t>();
    deal.verified = proposal.value("VerifiedDeal", false);
    deal.client = proposal.value("Client", std::string("t0100"));
    deal.provider = actor_of(proposal.at("Provider"), where + ".Proposal.Provider");
    deal.start_epoch = proposal.at("StartEpoch").get<int64_t>();
    deal.end_epoch = proposal.at("EndEpoch").get<int64_t>();
    const json &state = entry.at("State");
    deal.sector_number = state.at("SectorNumber").get<uint64_t>();
    deal.sector_start_epoch = state.value("SectorStartEpoch", int64_t(-1));
    return deal;
}

LotusStubFault fault_of(const json &entry)
{
    LotusStubFault fault;
    fault.delay = std::chrono::milliseconds(entry.value("DelayMs", int64_t(0)));
    if (entry.contains("Error")) {
        fault.rpc_error_code = entry["Error"].at("code").get<int64_t>();
        fault.rpc_error_message = entry["Error"].at("message").get<std::string>();
    }
    if (entry.contains("RawBody")) fault.raw_body = entry["RawBody"].get<std::string>();
    fault.http_status = entry.value("HttpStatus", 200);
    fault.trickle = std::chrono::milliseconds(entry.value("TrickleMs", int64_t(0)));
    return fault;
}

} // namespace

Result<LotusStubFixture> parse_lotus_stub_fixture(const json &document)
{
    try {
        if (!document.is_object()) throw FixtureError("the fixture is not a JSON object");
        LotusStubFixture fixture;
        auto &options = fixture.options;
        options.token = document.value("Token", options.token);
        const std::string role = document.value("Role", std::string("both"));
        if (role == "full_node")
            options.role = LotusStubRole::full_node;
        else if (role == "miner")
            options.role = LotusStubRole::miner;
        else if (role != "both")
            throw FixtureError("Role: want both, full_node or miner");
        if (document.contains("Miner")) options.miner = actor_of(document["Miner"], "Miner", &options.network);
        options.head_height = document.value("Head", int64_t(0));
        options.network_name = document.value("NetworkName", options.network_name);
        options.network_version = document.value("NetworkVersion", options.network_version);
        size_t index = 0;
        for (const auto &entry : document.value("Sectors", json::array()))
            fixture.sectors.push_back(sector_of(entry, "Sectors[" + std::to_string(index++) + "]"));
        index = 0;
        for (const auto &entry : document.value("Deals", json::array()))
            fixture.deals.push_back(deal_of(entry, "Deals[" + std::to_string(index++) + "]"));
        index = 0;
        for (const auto &entry : document.value("Randomness", json::array())) {
            const std::string where = "Randomness[" + std::to_string(index++) + "]";
            LotusStubRandomness randomness;
            randomness.tag = entry.at("Tag").get<int64_t>();
            randomness.epoch = entry.at("Epoch").get<int64_t>();
            randomness.entropy = bytes_of(entry.at("Entropy"), where + ".Entropy");
            randomness.value = bytes32_of(entry.at("Value"), where + ".Value");
            fixture.randomness.push_back(randomness);
        }
        const json faults = document.value("Faults", json::object());
        for (const auto &[method, entry] : faults.items())
            fixture.faults[LotusStubChain::full_method_name(method)] = fault_of(entry);
        return fixture;
    } catch (const std::exception &error) {
        return make_error(Errc::invalid_argument, std::string("lotus stub fixture: ") + error.what());
    }
}

Result<LotusStubFixture> load_lotus_stub_fixture(const std::string &path)
{
    std::ifstream in(path);
    if (!in) return make_error(Errc::not_found, "cannot open lotus stub fixture " + path);
    std::stringstream text;
    text << in.rdbuf();
    json document = json::parse(text.str(), nullptr, false);
    if (document.is_discarded()) return make_error(Errc::invalid_argument, path + " is not JSON");
    auto fixture = parse_lotus_stub_fixture(document);
    if (!fixture) return fixture.error().context(path);
    return fixture;
}

} // namespace dmc::test
