// SPDX-License-Identifier: Apache-2.0
//
// The stub's answers, method by method, in the JSON Lotus writes (field
// order and nulls as in Lotus' api-methods documentation). Written without
// the client's code (service/chain), so that the client's tests compare two
// independent readings of the same format.
#include "lotus_stub_chain.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>

#include "damocles/sdk/cid.hpp"

namespace dmc::test {

using nlohmann::json;

namespace {

constexpr int64_t kCodeMethodError = 1; // go-jsonrpc's code for a method's error
constexpr int64_t kCodeParseError = -32700;
constexpr int64_t kCodeMethodNotFound = -32601;
constexpr int64_t kCodeInvalidParams = -32602;
constexpr int64_t kTagSealRandomness = 5;
constexpr int64_t kTagInteractiveSealChallengeSeed = 6;

json cid_object(const std::string &cid) { return json{{"/", cid}}; }

StubBytes32 sha256_of(const std::vector<uint8_t> &data)
{
    StubBytes32 out{};
    SHA256(data.data(), data.size(), out.data());
    return out;
}

void put_u64_be(std::vector<uint8_t> &out, uint64_t value)
{
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(value >> shift));
}

LotusStubReply wrong_param_count(const std::string &method, size_t got, size_t want)
{
    return LotusStubReply::failure(
        kCodeInvalidParams,
        "wrong param count (method '" + method + "'): " + std::to_string(got) + " != " + std::to_string(want), 500);
}

LotusStubReply bad_param(const std::string &method, const std::string &go_type, const json &value)
{
    return LotusStubReply::failure(kCodeParseError,
                                   "unmarshaling params for '" + method + "' (param: " + go_type +
                                       "): json: cannot unmarshal " + std::string(value.type_name()) +
                                       " into Go value of type " + go_type.substr(1),
                                   500);
}

std::optional<int64_t> as_int(const json &value)
{
    if (value.is_number_unsigned() && value.get<uint64_t>() <= uint64_t(INT64_MAX)) return value.get<int64_t>();
    if (value.is_number_integer()) return value.get<int64_t>();
    return std::nullopt;
}

// "t01234" / "f01234" -> 1234.
std::optional<uint64_t> id_of_address(const json &value)
{
    if (!value.is_string()) return std::nullopt;
    const auto &text = value.get_ref<const std::string &>();
    if (text.size() < 3 || (text[0] != 'f' && text[0] != 't') || text[1] != '0') return std::nullopt;
    uint64_t id = 0;
    for (size_t pos = 2; pos < text.size(); ++pos) {
        if (text[pos] < '0' || text[pos] > '9' || pos > 20) return std::nullopt;
        id = id * 10 + static_cast<uint64_t>(text[pos] - '0');
    }
    return id;
}

} // namespace

std::string lotus_stub_base64(const uint8_t *data, size_t size)
{
    std::string out(4 * ((size + 2) / 3) + 1, '\0');
    const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char *>(out.data()), data, static_cast<int>(size));
    out.resize(static_cast<size_t>(length));
    return out;
}

std::optional<std::vector<uint8_t>> lotus_stub_unbase64(const std::string &text)
{
    if (text.size() % 4 != 0) return std::nullopt;
    std::vector<uint8_t> out(text.size() / 4 * 3 + 1);
    const int length = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char *>(text.data()),
                                       static_cast<int>(text.size()));
    if (length < 0) return std::nullopt;
    // EVP_DecodeBlock counts the bytes under the padding too.
    size_t padding = 0;
    if (!text.empty() && text.back() == '=') padding = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
    out.resize(static_cast<size_t>(length) - padding);
    // Accept only what the encoder would write back.
    if (lotus_stub_base64(out.data(), out.size()) != text) return std::nullopt;
    return out;
}

std::vector<uint8_t> lotus_stub_miner_entropy(uint64_t miner)
{
    std::vector<uint8_t> address{0x00}; // protocol 0: ID
    do {
        uint8_t byte = miner & 0x7f;
        miner >>= 7;
        if (miner != 0) byte |= 0x80;
        address.push_back(byte);
    } while (miner != 0);
    std::vector<uint8_t> out;
    out.push_back(static_cast<uint8_t>(0x40 + address.size())); // CBOR bytes, short length
    for (uint8_t byte : address) out.push_back(byte);
    return out;
}

std::string LotusStubChain::full_method_name(const std::string &method)
{
    return method.rfind("Filecoin.", 0) == 0 ? method : "Filecoin." + method;
}

// A CIDv1 (dag-cbor, sha2-256) whose digest starts with the height, so
// that a tipset key given back can be resolved without a table.
std::string LotusStubChain::tipset_cid(int64_t height)
{
    std::vector<uint8_t> seed{'s', 't', 'u', 'b'};
    put_u64_be(seed, static_cast<uint64_t>(height));
    const StubBytes32 hash = sha256_of(seed);
    std::vector<uint8_t> bytes{0x01, 0x71, 0x12, 0x20};
    put_u64_be(bytes, static_cast<uint64_t>(height));
    bytes.insert(bytes.end(), hash.begin(), hash.begin() + 24);
    std::string cid = "b";
    cid += base32_lower_encode(bytes);
    return cid;
}

std::optional<int64_t> LotusStubChain::tipset_height(const std::string &cid)
{
    if (cid.empty() || cid[0] != 'b') return std::nullopt;
    auto bytes = base32_lower_decode(cid.substr(1));
    if (!bytes || bytes->size() != 36) return std::nullopt;
    uint64_t height = 0;
    for (size_t pos = 4; pos < 12; ++pos) height = height << 8 | (*bytes)[pos];
    if (height > uint64_t(INT64_MAX) || tipset_cid(static_cast<int64_t>(height)) != cid) return std::nullopt;
    return static_cast<int64_t>(height);
}

void LotusStubChain::add_sector(const LotusStubSector &sector)
{
    std::lock_guard lock(mutex_);
    sectors_[{sector.miner, sector.number}] = sector;
    const auto entropy = lotus_stub_miner_entropy(sector.miner);
    randomness_[{kTagSealRandomness, sector.ticket_epoch, entropy}] = sector.ticket;
    if (sector.seed) randomness_[{kTagInteractiveSealChallengeSeed, sector.seed_epoch, entropy}] = *sector.seed;
}

void LotusStubChain::add_deal(const LotusStubDeal &deal)
{
    std::lock_guard lock(mutex_);
    deals_[deal.deal_id] = deal;
}

void LotusStubChain::set_randomness(const LotusStubRandomness &randomness)
{
    std::lock_guard lock(mutex_);
    randomness_[{randomness.tag, randomness.epoch, randomness.entropy}] = randomness.value;
}

void LotusStubChain::set_head_height(int64_t height)
{
    std::lock_guard lock(mutex_);
    options_.head_height = height;
}

void LotusStubChain::set_fault(const std::string &method, const LotusStubFault &fault)
{
    std::lock_guard lock(mutex_);
    faults_[full_method_name(method)] = fault;
}

void LotusStubChain::clear_faults()
{
    std::lock_guard lock(mutex_);
    faults_.clear();
}

std::optional<LotusStubFault> LotusStubChain::fault(const std::string &method) const
{
    std::lock_guard lock(mutex_);
    auto found = faults_.find(full_method_name(method));
    if (found == faults_.end()) return std::nullopt;
    return found->second;
}

uint64_t LotusStubChain::call_count(const std::string &method) const
{
    std::lock_guard lock(mutex_);
    auto found = call_counts_.find(full_method_name(method));
    return found == call_counts_.end() ? 0 : found->second;
}

json LotusStubChain::last_params(const std::string &method) const
{
    std::lock_guard lock(mutex_);
    auto found = last_params_.find(full_method_name(method));
    return found == last_params_.end() ? json(nullptr) : found->second;
}

int64_t LotusStubChain::head_height_locked() const
{
    if (options_.head_height > 0) return options_.head_height;
    int64_t highest = 0;
    for (const auto &[key, sector] : sectors_)
        highest =
            std::max({highest, sector.activation, sector.precommit_epoch, sector.seed_epoch, sector.update_epoch});
    return highest + 100;
}

std::optional<int64_t> LotusStubChain::resolve_tipset(const std::string &method, const json &key,
                                                      LotusStubReply &error) const
{
    const int64_t head = head_height_locked();
    if (key.is_null() || (key.is_array() && key.empty())) return head;
    if (!key.is_array()) {
        error = bad_param(method, "*types.TipSetKey", key);
        return std::nullopt;
    }
    std::optional<int64_t> height;
    for (const auto &element : key) {
        if (!element.is_object() || !element.contains("/") || !element["/"].is_string()) {
            error = bad_param(method, "*types.TipSetKey", element);
            return std::nullopt;
        }
        auto found = tipset_height(element["/"].get<std::string>());
        if (!found || *found > head || (height && *height != *found)) {
            error = LotusStubReply::failure(kCodeMethodError,
                                            "loading tipset " + key.dump() + ": blockstore: block not found");
            return std::nullopt;
        }
        height = found;
    }
    return height;
}

json LotusStubChain::tipset_json(int64_t height) const
{
    const std::string miner = std::string(1, options_.network) + "0" + std::to_string(options_.miner);
    StubBytes32 vrf = sha256_of({'v', 'r', 'f', static_cast<uint8_t>(height), static_cast<uint8_t>(height >> 8)});
    json parents = json::array();
    if (height > 0) parents.push_back(cid_object(tipset_cid(height - 1)));
    json block = {{"Miner", miner},
                  {"Ticket", {{"VRFProof", lotus_stub_base64(vrf.data(), vrf.size())}}},
                  {"ElectionProof", {{"WinCount", 1}, {"VRFProof", lotus_stub_base64(vrf.data(), vrf.size())}}},
                  {"BeaconEntries", json::array()},
                  {"WinPoStProof", json::array()},
                  {"Parents", parents},
                  {"ParentWeight", std::to_string(1000 + height * 10)},
                  {"Height", height},
                  {"ParentStateRoot", cid_object(tipset_cid(height + (int64_t(1) << 40)))},
                  {"ParentMessageReceipts", cid_object(tipset_cid(height + (int64_t(2) << 40)))},
                  {"Messages", cid_object(tipset_cid(height + (int64_t(3) << 40)))},
                  {"BLSAggregate", {{"Type", 2}, {"Data", ""}}},
                  {"Timestamp", 1700000000 + 30 * height},
                  {"BlockSig", {{"Type", 2}, {"Data", ""}}},
                  {"ForkSignaling", 0},
                  {"ParentBaseFee", "100"}};
    return json{
        {"Cids", json::array({cid_object(tipset_cid(height))})}, {"Blocks", json::array({block})}, {"Height", height}};
}

json LotusStubChain::sector_info_json(const LotusStubSector &sector, int64_t height) const
{
    const bool updated = sector.comm_r_new && height > sector.update_epoch;
    json deal_ids = json::array();
    for (const auto &piece : sector.pieces)
        if (piece.deal_id && *piece.deal_id != 0) deal_ids.push_back(*piece.deal_id);
    json info = json::object();
    info["SectorNumber"] = sector.number;
    info["SealProof"] = sector.seal_proof;
    info["SealedCID"] = cid_object(updated ? *sector.comm_r_new : sector.comm_r);
    if (sector.legacy_shape) info["DealIDs"] = deal_ids.empty() ? json(nullptr) : deal_ids;
    info["Activation"] = sector.activation;
    info["Expiration"] = sector.expiration;
    for (const char *zero :
         {"DealWeight", "VerifiedDealWeight", "InitialPledge", "ExpectedDayReward", "ExpectedStoragePledge"})
        info[zero] = "0";
    info["PowerBaseEpoch"] = updated ? sector.update_epoch : sector.activation;
    info["ReplacedDayReward"] = "0";
    info["SectorKeyCID"] = updated ? cid_object(sector.comm_r) : json(nullptr);
    info["Flags"] = 0;
    if (!sector.legacy_shape) info["DailyFee"] = "0";
    return info;
}

json LotusStubChain::precommit_json(const LotusStubSector &sector) const
{
    json deal_ids = json::array();
    bool has_data = false; // a deal or a DDO piece (deal id 0)
    for (const auto &piece : sector.pieces) {
        if (piece.deal_id && *piece.deal_id != 0) deal_ids.push_back(*piece.deal_id);
        has_data = has_data || piece.deal_id.has_value();
    }
    json info = {{"SealProof", sector.seal_proof},
                 {"SectorNumber", sector.number},
                 {"SealedCID", cid_object(sector.comm_r)},
                 {"SealRandEpoch", sector.ticket_epoch},
                 {"DealIDs", deal_ids.empty() ? json(nullptr) : deal_ids},
                 {"Expiration", sector.expiration},
                 // Lotus leaves UnsealedCid unset for CC sectors only.
                 {"UnsealedCid", has_data ? cid_object(sector.comm_d) : json(nullptr)}};
    return json{{"Info", info}, {"PreCommitDeposit", "0"}, {"PreCommitEpoch", sector.precommit_epoch}};
}

json LotusStubChain::deal_json(const LotusStubDeal &deal) const
{
    const std::string provider = std::string(1, options_.network) + "0" + std::to_string(deal.provider);
    json proposal = {{"PieceCID", cid_object(deal.piece_cid)},
                     {"PieceSize", deal.piece_size},
                     {"VerifiedDeal", deal.verified},
                     {"Client", deal.client},
                     {"Provider", provider},
                     {"Label", ""},
                     {"StartEpoch", deal.start_epoch},
                     {"EndEpoch", deal.end_epoch},
                     {"StoragePricePerEpoch", "0"},
                     {"ProviderCollateral", "0"},
                     {"ClientCollateral", "0"}};
    json state = {{"SectorNumber", deal.sector_number},
                  {"SectorStartEpoch", deal.sector_start_epoch},
                  {"LastUpdatedEpoch", -1},
                  {"SlashEpoch", -1}};
    return json{{"Proposal", proposal}, {"State", state}};
}

json LotusStubChain::sector_status_json(const LotusStubSector &sector, bool on_chain_info) const
{
    json pieces = json::array();
    json deals = json::array();
    for (const auto &piece : sector.pieces) {
        json deal_info = nullptr;
        if (piece.deal_id) {
            auto deal = deals_.find(*piece.deal_id);
            json proposal = deal == deals_.end() ? json(nullptr) : deal_json(deal->second)["Proposal"];
            const int64_t start = deal == deals_.end() ? 0 : deal->second.start_epoch;
            const int64_t end = deal == deals_.end() ? 0 : deal->second.end_epoch;
            deal_info = {{"PublishCid", nullptr},
                         {"DealID", *piece.deal_id},
                         {"DealProposal", proposal},
                         {"DealSchedule", {{"StartEpoch", start}, {"EndEpoch", end}}},
                         {"PieceActivationManifest", nullptr},
                         {"KeepUnsealed", true}};
            if (*piece.deal_id != 0) deals.push_back(*piece.deal_id);
        }
        pieces.push_back({{"Piece", {{"Size", piece.padded_size}, {"PieceCID", cid_object(piece.piece_cid)}}},
                          {"DealInfo", deal_info}});
    }
    auto randomness = [](const std::optional<StubBytes32> &value, int64_t epoch) {
        return json{{"Value", value ? json(lotus_stub_base64(value->data(), value->size())) : json(nullptr)},
                    {"Epoch", epoch}};
    };
    const StubBytes32 proof = sha256_of({'p', 'r', 'o', 'o', 'f'});
    return json{{"SectorID", sector.number},
                {"State", sector.state},
                {"CommD", cid_object(sector.comm_d)},
                {"CommR", cid_object(sector.comm_r)},
                {"Proof", lotus_stub_base64(proof.data(), proof.size())},
                {"Deals", deals.empty() ? json(nullptr) : deals},
                {"Pieces", pieces},
                {"Ticket", randomness(sector.ticket, sector.ticket_epoch)},
                {"Seed", randomness(sector.seed, sector.seed_epoch)},
                {"PreCommitMsg", nullptr},
                {"CommitMsg", nullptr},
                {"Retries", 0},
                {"ToUpgrade", false},
                {"ReplicaUpdateMessage", nullptr},
                {"LastErr", ""},
                {"Log", json::array()},
                {"SealProof", sector.seal_proof},
                {"Activation", on_chain_info ? sector.activation : 0},
                {"Expiration", on_chain_info ? sector.expiration : 0},
                {"DealWeight", "0"},
                {"VerifiedDealWeight", "0"},
                {"InitialPledge", "0"},
                {"OnTime", on_chain_info ? sector.expiration : 0},
                {"Early", 0}};
}

StubBytes32 LotusStubChain::randomness_locked(int64_t tag, int64_t epoch, const std::vector<uint8_t> &entropy) const
{
    auto found = randomness_.find({tag, epoch, entropy});
    if (found != randomness_.end()) return found->second;
    std::vector<uint8_t> seed{'r', 'a', 'n', 'd'};
    put_u64_be(seed, static_cast<uint64_t>(tag));
    put_u64_be(seed, static_cast<uint64_t>(epoch));
    seed.insert(seed.end(), entropy.begin(), entropy.end());
    return sha256_of(seed);
}

void LotusStubChain::record_call(const std::string &method, const json &params)
{
    std::lock_guard lock(mutex_);
    call_counts_[method] += 1;
    last_params_[method] = params;
}

LotusStubReply LotusStubChain::answer(const std::string &method, const json &params)
{
    std::lock_guard lock(mutex_);
    return answer_locked(method, params);
}

LotusStubReply LotusStubChain::answer_locked(const std::string &method, const json &params)
{
    const bool full_node = options_.role != LotusStubRole::miner;
    const bool miner = options_.role != LotusStubRole::full_node;
    auto expect = [&](size_t count) -> std::optional<LotusStubReply> {
        if (!params.is_array() || params.size() != count)
            return wrong_param_count(method, params.is_array() ? params.size() : 0, count);
        return std::nullopt;
    };
    LotusStubReply reply;

    if (full_node && method == "Filecoin.ChainHead") {
        if (auto wrong = expect(0)) return *wrong;
        return LotusStubReply::success(tipset_json(head_height_locked()));
    }
    if (full_node && method == "Filecoin.ChainGetTipSetByHeight") {
        if (auto wrong = expect(2)) return *wrong;
        auto height = as_int(params[0]);
        if (!height) return bad_param(method, "*abi.ChainEpoch", params[0]);
        auto from = resolve_tipset(method, params[1], reply);
        if (!from) return reply;
        if (*height < 0) return LotusStubReply::failure(kCodeMethodError, "looking for tipset with negative height");
        if (*height > *from)
            return LotusStubReply::failure(kCodeMethodError, "looking for tipset with height greater than start point");
        return LotusStubReply::success(tipset_json(*height));
    }
    if (full_node && (method == "Filecoin.StateSectorGetInfo" || method == "Filecoin.StateSectorPreCommitInfo")) {
        if (auto wrong = expect(3)) return *wrong;
        auto miner_id = id_of_address(params[0]);
        if (!miner_id) return bad_param(method, "*address.Address", params[0]);
        if (!params[1].is_number_unsigned()) return bad_param(method, "*abi.SectorNumber", params[1]);
        auto height = resolve_tipset(method, params[2], reply);
        if (!height) return reply;
        const bool known_miner = *miner_id == options_.miner ||
                                 std::any_of(sectors_.begin(), sectors_.end(),
                                             [&](const auto &entry) { return entry.first.first == *miner_id; });
        if (!known_miner)
            return LotusStubReply::failure(kCodeMethodError, "failed to load miner actor: actor not found");
        auto found = sectors_.find({*miner_id, params[1].get<uint64_t>()});
        if (found == sectors_.end()) return LotusStubReply::success(nullptr);
        const LotusStubSector &sector = found->second;
        if (method == "Filecoin.StateSectorGetInfo")
            return LotusStubReply::success(*height > sector.activation ? sector_info_json(sector, *height)
                                                                       : json(nullptr));
        const bool precommitted = sector.precommit_epoch < *height && *height <= sector.activation;
        return LotusStubReply::success(precommitted ? precommit_json(sector) : json(nullptr));
    }
    if (full_node && method == "Filecoin.StateGetRandomnessFromTickets") {
        if (auto wrong = expect(4)) return *wrong;
        auto tag = as_int(params[0]);
        if (!tag) return bad_param(method, "*crypto.DomainSeparationTag", params[0]);
        auto epoch = as_int(params[1]);
        if (!epoch) return bad_param(method, "*abi.ChainEpoch", params[1]);
        std::optional<std::vector<uint8_t>> entropy;
        if (params[2].is_null())
            entropy = std::vector<uint8_t>{};
        else if (params[2].is_string())
            entropy = lotus_stub_unbase64(params[2].get<std::string>());
        if (!entropy) return bad_param(method, "*[]uint8", params[2]);
        auto height = resolve_tipset(method, params[3], reply);
        if (!height) return reply;
        if (*epoch > *height)
            return LotusStubReply::failure(kCodeMethodError, "cannot draw randomness from the future");
        const StubBytes32 value = randomness_locked(*tag, *epoch, *entropy);
        return LotusStubReply::success(lotus_stub_base64(value.data(), value.size()));
    }
    if (full_node && method == "Filecoin.StateMarketStorageDeal") {
        if (auto wrong = expect(2)) return *wrong;
        if (!params[0].is_number_unsigned()) return bad_param(method, "*abi.DealID", params[0]);
        auto height = resolve_tipset(method, params[1], reply);
        if (!height) return reply;
        auto found = deals_.find(params[0].get<uint64_t>());
        if (found == deals_.end())
            return LotusStubReply::failure(kCodeMethodError, "deal " + params[0].dump() + " not found");
        return LotusStubReply::success(deal_json(found->second));
    }
    if (full_node && method == "Filecoin.StateNetworkName") {
        if (auto wrong = expect(0)) return *wrong;
        return LotusStubReply::success(options_.network_name);
    }
    if (full_node && method == "Filecoin.StateNetworkVersion") {
        if (auto wrong = expect(1)) return *wrong;
        auto height = resolve_tipset(method, params[0], reply);
        if (!height) return reply;
        return LotusStubReply::success(options_.network_version);
    }
    if (miner && method == "Filecoin.ActorAddress") {
        if (auto wrong = expect(0)) return *wrong;
        return LotusStubReply::success(std::string(1, options_.network) + "0" + std::to_string(options_.miner));
    }
    if (miner && method == "Filecoin.SectorsList") {
        if (auto wrong = expect(0)) return *wrong;
        json numbers = json::array();
        for (const auto &[key, sector] : sectors_)
            if (key.first == options_.miner) numbers.push_back(key.second);
        return LotusStubReply::success(numbers);
    }
    if (miner && method == "Filecoin.SectorsStatus") {
        if (auto wrong = expect(2)) return *wrong;
        if (!params[0].is_number_unsigned()) return bad_param(method, "*abi.SectorNumber", params[0]);
        if (!params[1].is_boolean()) return bad_param(method, "*bool", params[1]);
        auto found = sectors_.find({options_.miner, params[0].get<uint64_t>()});
        if (found == sectors_.end())
            return LotusStubReply::failure(kCodeMethodError, "getting sector info: datastore: key not found");
        return LotusStubReply::success(sector_status_json(found->second, params[1].get<bool>()));
    }
    return LotusStubReply::failure(kCodeMethodNotFound, "method '" + method + "' not found", 500);
}

} // namespace dmc::test
