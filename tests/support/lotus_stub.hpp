// SPDX-License-Identifier: Apache-2.0
//
// A test-only stand-in for a Lotus full node and lotus-miner: JSON-RPC 2.0
// over HTTP on 127.0.0.1 (an ephemeral port), answering in Lotus' encodings
// from sectors, deals and randomness that a test adds (add_sector() at run
// time, e.g. after sealing) or that a fixture file lists
// (tests/fixtures/lotus/*.json, read by load_lotus_stub_fixture()).
//
// Its chain is synthetic but consistent: one tipset per height 0..head, each
// named by a CID that encodes its height; a state call at a tipset of height
// T reads the state after the messages of heights < T, so a sector is
// precommitted for precommit_epoch < T <= activation and active for
// T > activation (the order froghub's ticket recovery relies on). Randomness
// for a sector's (miner, ticket epoch) is its ticket; other draws are a
// deterministic hash. Like Lotus it answers a wrong token with 401, no token
// with a JSON-RPC permission error, an unknown method or bad params with
// HTTP 500 and a JSON-RPC error object.
//
// Faults per method: a delay, a JSON-RPC error, or a raw body (malformed
// JSON, a huge answer) with any HTTP status, possibly trickled byte by byte.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "damocles/sdk/result.hpp"

namespace dmc::test {

using StubBytes32 = std::array<uint8_t, 32>;

// A piece as lotus-miner lists it; no deal id = a filler (DealInfo null),
// deal id 0 = a DDO piece (no market deal, but data: UnsealedCid is set).
struct LotusStubPiece {
    uint64_t padded_size = 0;
    std::string piece_cid;
    std::optional<uint64_t> deal_id;
};

// The record fields of one sector plus the epochs that place it on the chain.
struct LotusStubSector {
    uint64_t miner = 0; // actor id
    uint64_t number = 0;
    uint64_t seal_proof = 0; // RegisteredSealProof id
    StubBytes32 ticket{};
    int64_t ticket_epoch = 0; // SealRandEpoch (< precommit_epoch)
    std::optional<StubBytes32> seed;
    int64_t seed_epoch = 0;
    std::string comm_d; // CID (UnsealedCid, lotus-miner CommD)
    std::string comm_r; // CID (precommitted SealedCID, lotus-miner CommR)
    int64_t precommit_epoch = 0;
    int64_t activation = 0;
    int64_t expiration = 0;
    std::vector<LotusStubPiece> pieces;
    std::string state = "Proving";
    // SnapDeals: from update_epoch on, SealedCID is comm_r_new and
    // SectorKeyCID is comm_r (lotus-miner keeps reporting comm_d/comm_r).
    std::optional<std::string> comm_r_new;
    int64_t update_epoch = 0;
    // Answer StateSectorGetInfo in the older shape (DealIDs, no DailyFee).
    bool legacy_shape = false;
};

struct LotusStubDeal {
    uint64_t deal_id = 0;
    std::string piece_cid;
    uint64_t piece_size = 0; // padded
    bool verified = false;
    std::string client = "t0100";
    uint64_t provider = 0; // actor id
    int64_t start_epoch = 0;
    int64_t end_epoch = 0;
    uint64_t sector_number = 0;
    int64_t sector_start_epoch = -1;
};

struct LotusStubRandomness {
    int64_t tag = 0; // DomainSeparationTag (5: SealRandomness)
    int64_t epoch = 0;
    std::vector<uint8_t> entropy;
    StubBytes32 value{};
};

struct LotusStubFault {
    std::chrono::milliseconds delay{0};
    std::optional<int64_t> rpc_error_code; // answer this JSON-RPC error…
    std::string rpc_error_message;
    std::optional<std::string> raw_body;  // …or this body verbatim
    int http_status = 200;                // with raw_body
    std::chrono::milliseconds trickle{0}; // with raw_body: one byte per interval (chunked)
};

enum class LotusStubRole { full_node, miner, both };

struct LotusStubOptions {
    std::string token = "lotus-stub-token";
    LotusStubRole role = LotusStubRole::both;
    char network = 't';      // address prefix written
    uint64_t miner = 1000;   // lotus-miner's actor (ActorAddress, SectorsList)
    int64_t head_height = 0; // 0: the highest sector epoch + 100
    std::string network_name = "localnet";
    uint64_t network_version = 24;
};

struct LotusStubFixture {
    LotusStubOptions options;
    std::vector<LotusStubSector> sectors;
    std::vector<LotusStubDeal> deals;
    std::vector<LotusStubRandomness> randomness;
    std::map<std::string, LotusStubFault> faults; // by method ("Filecoin.X")
};

// The fixture format: Lotus' encodings (base64 tickets, {"/": cid}, "t0…"
// addresses); see tests/fixtures/lotus/README.md.
Result<LotusStubFixture> parse_lotus_stub_fixture(const nlohmann::json &document);
Result<LotusStubFixture> load_lotus_stub_fixture(const std::string &path);

// The seal-randomness entropy (the miner address as a CBOR byte string),
// written here apart from the client's helper so each checks the other.
std::vector<uint8_t> lotus_stub_miner_entropy(uint64_t miner);

class LotusStubChain;

class LotusStub {
public:
    explicit LotusStub(LotusStubOptions options = {});
    explicit LotusStub(const LotusStubFixture &fixture);
    ~LotusStub();
    LotusStub(const LotusStub &) = delete;
    LotusStub &operator=(const LotusStub &) = delete;

    // Binds 127.0.0.1:port (0: an ephemeral port) and serves on a thread.
    Status start(int port = 0);
    // Stops serving; delayed answers are cut short. Also done by the destructor.
    void stop();

    int port() const { return port_; }
    std::string host_port() const; // "127.0.0.1:PORT"
    // "TOKEN:/ip4/127.0.0.1/tcp/PORT/http" (FULLNODE_API_INFO / MINER_API_INFO).
    std::string api_info() const;
    const std::string &token() const;

    // Safe while serving.
    void add_sector(const LotusStubSector &sector);
    void add_deal(const LotusStubDeal &deal);
    void set_randomness(const LotusStubRandomness &randomness);
    void set_head_height(int64_t height);
    // method: "Filecoin.X" or "X".
    void set_fault(const std::string &method, const LotusStubFault &fault);
    void clear_faults();
    // Requests that reached the method (authorized), and the last params.
    uint64_t call_count(const std::string &method) const;
    nlohmann::json last_params(const std::string &method) const;

private:
    struct Server;
    std::unique_ptr<LotusStubChain> chain_;
    std::unique_ptr<Server> server_;
    int port_ = 0;
};

} // namespace dmc::test
