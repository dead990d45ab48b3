// SPDX-License-Identifier: Apache-2.0
//
// encode_replica_chunked, the replica encoding both tree_r_last stages use:
// against a node-by-node Fr reference across chunk boundaries, with data
// shorter than the sector (ending inside a chunk and inside a node), in
// place, for CC (labels checked), with bad nodes named by their index in the
// sector, and cancelled between chunks.
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include "damocles/sdk/fr.hpp"
#include "damocles/sdk/replica_encoding.hpp"
#include "field_test_support.hpp"

using namespace dmc;

namespace {

constexpr uint64_t kChunk = 1u << 16; // the function's chunk, in nodes

// key[v] + data[v] with data zero-extended from data_bytes.
std::vector<uint8_t> reference(const std::vector<uint8_t> &key, const std::vector<uint8_t> &data, uint64_t data_bytes)
{
    std::vector<uint8_t> padded(key.size(), 0);
    std::copy(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(data_bytes), padded.begin());
    std::vector<uint8_t> out(key.size());
    for (size_t v = 0; v < key.size() / 32; ++v) {
        Fr k, d;
        REQUIRE(Fr::try_from_bytes(key.data() + 32 * v, k));
        REQUIRE(Fr::try_from_bytes(padded.data() + 32 * v, d));
        (k + d).to_bytes(out.data() + 32 * v);
    }
    return out;
}

} // namespace

TEST_CASE("replica encoding in chunks equals the node-by-node sum", "[field][encode]")
{
    std::mt19937_64 rng(7);
    const uint64_t nodes = 3 * kChunk + 5;
    const auto key = dmc::test::random_nodes(rng, nodes);
    const auto data = dmc::test::random_nodes(rng, nodes);
    std::vector<uint64_t> reported;
    const auto progress = [&](uint64_t done) {
        reported.push_back(done);
        return true;
    };

    for (uint64_t data_bytes : {nodes * 32, 2 * kChunk * 32 + 17, kChunk * 32, uint64_t{31}, uint64_t{0}}) {
        INFO("data_bytes " << data_bytes);
        reported.clear();
        std::vector<uint8_t> out(nodes * 32);
        // data_bytes 0 still passes a data pointer: the replica is the key, checked.
        REQUIRE(encode_replica_chunked(key.data(), data.data(), data_bytes, out.data(), nodes, progress).ok());
        CHECK(out == reference(key, data, data_bytes));
        CHECK(reported == std::vector<uint64_t>{kChunk, 2 * kChunk, 3 * kChunk, nodes});
    }

    SECTION("in place over the key, and CC")
    {
        auto in_place = key;
        REQUIRE(
            encode_replica_chunked(in_place.data(), data.data(), data.size(), in_place.data(), nodes, progress).ok());
        CHECK(in_place == reference(key, data, data.size()));
        std::vector<uint8_t> cc(nodes * 32);
        REQUIRE(encode_replica_chunked(key.data(), nullptr, 0, cc.data(), nodes, progress).ok());
        CHECK(cc == key);
    }
}

TEST_CASE("replica encoding names a bad node by its index in the sector, and stops on cancel", "[field][encode]")
{
    std::mt19937_64 rng(8);
    const uint64_t nodes = 2 * kChunk + 3;
    auto key = dmc::test::random_nodes(rng, nodes);
    auto data = dmc::test::random_nodes(rng, nodes);
    std::vector<uint8_t> out(nodes * 32);
    const auto always = [](uint64_t) { return true; };

    const uint64_t bad = kChunk + 12;
    auto bad_data = data;
    std::fill(bad_data.begin() + bad * 32, bad_data.begin() + bad * 32 + 32, 0xff);
    auto r = encode_replica_chunked(key.data(), bad_data.data(), bad_data.size(), out.data(), nodes, always);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message == "data node " + std::to_string(bad) + " is not a canonical field element (value >= r)");

    auto bad_key = key;
    const Bytes32 modulus = fr_modulus_bytes(); // r itself is not canonical
    std::copy(modulus.begin(), modulus.end(), bad_key.begin() + bad * 32);
    r = encode_replica_chunked(bad_key.data(), data.data(), data.size(), out.data(), nodes, always);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("key (last layer) node " + std::to_string(bad)) == 0);
    r = encode_replica_chunked(bad_key.data(), nullptr, 0, out.data(), nodes, always);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::corrupt);
    CHECK(r.error().message == "label of node " + std::to_string(bad) + " is not a field element");

    int calls = 0;
    r = encode_replica_chunked(key.data(), data.data(), data.size(), out.data(), nodes,
                               [&](uint64_t) { return ++calls < 2; });
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::cancelled);
    CHECK(calls == 2);
}
