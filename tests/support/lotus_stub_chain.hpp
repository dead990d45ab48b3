// SPDX-License-Identifier: Apache-2.0
//
// The state behind LotusStub (lotus_stub.hpp): sectors, deals, randomness,
// faults and call counts, and the answers to each Lotus method in Lotus'
// JSON, apart from the HTTP side. Thread-safe: every entry point locks.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "lotus_stub.hpp"

namespace dmc::test {

// One answer: a result, or a JSON-RPC error object sent with http_status
// (go-jsonrpc: 200 for a method's error, 500 for bad params/unknown method).
struct LotusStubReply {
    nlohmann::json result;
    std::optional<int64_t> error_code;
    std::string error_message;
    int http_status = 200;

    static LotusStubReply success(nlohmann::json result) { return {std::move(result), std::nullopt, {}, 200}; }
    static LotusStubReply failure(int64_t code, std::string message, int http_status = 200)
    {
        return {nullptr, code, std::move(message), http_status};
    }
};

class LotusStubChain {
public:
    explicit LotusStubChain(LotusStubOptions options) : options_(std::move(options)) {}

    const LotusStubOptions &options() const { return options_; }
    // Counts an authorized call (before faults apply).
    void record_call(const std::string &method, const nlohmann::json &params);
    // Answers an authorized call of `method` ("Filecoin.X") with `params`.
    LotusStubReply answer(const std::string &method, const nlohmann::json &params);

    void add_sector(const LotusStubSector &sector);
    void add_deal(const LotusStubDeal &deal);
    void set_randomness(const LotusStubRandomness &randomness);
    void set_head_height(int64_t height);
    void set_fault(const std::string &method, const LotusStubFault &fault);
    void clear_faults();
    std::optional<LotusStubFault> fault(const std::string &method) const;
    uint64_t call_count(const std::string &method) const;
    nlohmann::json last_params(const std::string &method) const;

    // "Filecoin.X" for "X".
    static std::string full_method_name(const std::string &method);
    // The CID naming the stub's tipset at `height`, and back (nullopt: not one).
    static std::string tipset_cid(int64_t height);
    static std::optional<int64_t> tipset_height(const std::string &cid);

private:
    using SectorKey = std::pair<uint64_t, uint64_t>; // miner, number
    using RandomnessKey = std::tuple<int64_t, int64_t, std::vector<uint8_t>>;

    int64_t head_height_locked() const;
    LotusStubReply answer_locked(const std::string &method, const nlohmann::json &params);
    // Resolves a TipSetKey param to a height; nullopt + reply on error.
    std::optional<int64_t> resolve_tipset(const std::string &method, const nlohmann::json &key,
                                          LotusStubReply &error) const;
    nlohmann::json tipset_json(int64_t height) const;
    nlohmann::json sector_info_json(const LotusStubSector &sector, int64_t height) const;
    nlohmann::json precommit_json(const LotusStubSector &sector) const;
    nlohmann::json sector_status_json(const LotusStubSector &sector, bool on_chain_info) const;
    nlohmann::json deal_json(const LotusStubDeal &deal) const;
    StubBytes32 randomness_locked(int64_t tag, int64_t epoch, const std::vector<uint8_t> &entropy) const;

    LotusStubOptions options_;
    mutable std::mutex mutex_;
    std::map<SectorKey, LotusStubSector> sectors_;
    std::map<uint64_t, LotusStubDeal> deals_;
    std::map<RandomnessKey, StubBytes32> randomness_;
    std::map<std::string, LotusStubFault> faults_;
    std::map<std::string, uint64_t> call_counts_;
    std::map<std::string, nlohmann::json> last_params_;
};

// Standard base64 (OpenSSL's encoder: a second implementation to the client's).
std::string lotus_stub_base64(const uint8_t *data, size_t size);
// nullopt when `text` is not canonical padded base64.
std::optional<std::vector<uint8_t>> lotus_stub_unbase64(const std::string &text);

} // namespace dmc::test
