// SPDX-License-Identifier: Apache-2.0
//
// The gpu plugin's streaming (plugins/gpu/tree_stream.cpp) through the host
// emulation of its engine (host_tree_engine.hpp): tree-c files in the full
// layout, tree-r-last level caches, encoded replicas and roots equal what the
// sdk builders (the cpu plugin's code) write, with chunks small enough that
// a tree spans many chunks and has rows above them. Runs without a GPU.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "damocles/sdk/file.hpp"
#include "damocles/sdk/poseidon_tree.hpp"
#include "damocles/sdk/replica_encoding.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "host_tree_engine.hpp"
#include "process.hpp"
#include "tree_stream.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

// Canonical pseudo-random nodes (top two bits clear, as fr32 and labels are).
std::vector<uint8_t> random_nodes(uint64_t nodes, uint64_t seed)
{
    std::vector<uint8_t> out(nodes * 32);
    uint64_t x = 0x9e3779b97f4a7c15ull ^ seed;
    for (size_t i = 0; i < out.size(); ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out[i] = static_cast<uint8_t>(x >> 32);
        if (i % 32 == 31) out[i] &= 0x3f;
    }
    return out;
}

struct StreamResult {
    Status status;
    Fr root = Fr::zero();
    std::vector<uint8_t> tree, replica;
};

StreamResult stream(gpu::TreeEngine &engine, gpu::TreeLeafSource source, uint64_t leaves, unsigned first_row,
                    const std::string &dir)
{
    StreamResult out;
    auto geometry = BaseTreeGeometry::for_leaves(leaves);
    REQUIRE(geometry.ok());
    auto tree_file = AtomicFileWriter::create(dir + "/tree");
    REQUIRE(tree_file.ok());
    REQUIRE(tree_file->resize(geometry->stored_nodes(first_row) * 32).ok());
    auto replica_file = AtomicFileWriter::create(dir + "/replica");
    REQUIRE(replica_file.ok());
    REQUIRE(replica_file->resize(leaves * 32).ok());
    if (source.kind == gpu::TreeLeafSource::Kind::encode || source.kind == gpu::TreeLeafSource::Kind::encode_cc)
        source.replica = &*replica_file;
    plugin::ProgressRelay progress(nullptr, leaves + (leaves - 1) / 7);
    auto root = gpu::build_base_tree_gpu(engine, source, *geometry, first_row, *tree_file, progress, 0);
    if (!root.ok()) {
        out.status = root.error();
        return out;
    }
    out.root = *root;
    REQUIRE(tree_file->commit().ok());
    REQUIRE(replica_file->commit().ok());
    out.tree = read_file(dir + "/tree").value();
    out.replica = read_file(dir + "/replica").value();
    return out;
}

} // namespace

TEST_CASE("gpu streaming: column hashes + full tree-c layout equal the sdk (many chunks)", "[gpu][stream]")
{
    // 8MiB geometry (8^6 leaves) in chunks of 8^3 and 8^4; 2KiB (8^2) in chunks of 8.
    // (The chunk roots must fit one chunk: 8^(k-h) <= 8^h.)
    for (auto [leaves, chunk] : {std::pair<uint64_t, uint64_t>{64, 8}, {262144, 512}, {262144, 4096}}) {
        INFO("leaves " << leaves << " chunk " << chunk);
        const auto layer1 = random_nodes(leaves, 1), layer2 = random_nodes(leaves, 2);
        const std::vector<const uint8_t *> layers = {layer1.data(), layer2.data()};
        auto geometry = BaseTreeGeometry::for_leaves(leaves);
        REQUIRE(geometry.ok());
        std::vector<uint8_t> expected(geometry->total_nodes() * 32);
        REQUIRE(hash_columns(layers, leaves, expected.data()).ok());
        auto expected_root = build_base_tree(expected.data(), leaves, expected.data(), 0);
        REQUIRE(expected_root.ok());

        TempDir dir("gpu-stream-c");
        HostTreeEngine engine(chunk, 2);
        gpu::TreeLeafSource source;
        source.kind = gpu::TreeLeafSource::Kind::columns;
        source.layers = layers;
        auto got = stream(engine, source, leaves, 0, dir.path());
        INFO((got.status.ok() ? std::string() : got.status.error().message));
        REQUIRE(got.status.ok());
        CHECK(engine.chunks_seen >= leaves / chunk);
        CHECK(got.root == *expected_root);
        CHECK(got.tree == expected);
    }
}

TEST_CASE("gpu streaming: 11-layer columns equal the sdk", "[gpu][stream]")
{
    const uint64_t leaves = 512;
    std::vector<std::vector<uint8_t>> files;
    std::vector<const uint8_t *> layers;
    for (unsigned l = 0; l < 11; ++l) files.push_back(random_nodes(leaves, 100 + l));
    for (auto &f : files) layers.push_back(f.data());
    std::vector<uint8_t> expected(585 * 32);
    REQUIRE(hash_columns(layers, leaves, expected.data()).ok());
    auto expected_root = build_base_tree(expected.data(), leaves, expected.data(), 0);
    REQUIRE(expected_root.ok());
    TempDir dir("gpu-stream-c11");
    HostTreeEngine engine(64, 11);
    gpu::TreeLeafSource source;
    source.kind = gpu::TreeLeafSource::Kind::columns;
    source.layers = layers;
    auto got = stream(engine, source, leaves, 0, dir.path());
    REQUIRE(got.status.ok());
    CHECK(got.root == *expected_root);
    CHECK(got.tree == expected);
}

TEST_CASE("gpu streaming: encoded replica and tree-r-last level cache equal the sdk", "[gpu][stream]")
{
    const uint64_t leaves = 262144; // 8MiB: rows_to_discard 2, first stored row 3
    const unsigned first_row = 3;
    const auto key = random_nodes(leaves, 7);
    // Data shorter than the sector: zero-extended, then CC-like chunks.
    const auto data = random_nodes(leaves / 3 + 5, 8);
    std::vector<uint8_t> padded(leaves * 32, 0);
    std::copy(data.begin(), data.end(), padded.begin());
    std::vector<uint8_t> replica(leaves * 32);
    REQUIRE(encode_replica(key.data(), padded.data(), replica.data(), leaves).ok());
    auto geometry = BaseTreeGeometry::for_leaves(leaves);
    REQUIRE(geometry.ok());
    std::vector<uint8_t> expected(geometry->stored_nodes(first_row) * 32);
    auto expected_root = build_base_tree(replica.data(), leaves, expected.data(), first_row);
    REQUIRE(expected_root.ok());

    for (uint64_t chunk : {512ull, 4096ull}) {
        INFO("chunk " << chunk);
        TempDir dir("gpu-stream-r");
        HostTreeEngine engine(chunk, 2);
        gpu::TreeLeafSource source;
        source.kind = gpu::TreeLeafSource::Kind::encode;
        source.nodes = key.data();
        source.data = data.data();
        source.data_bytes = data.size();
        auto got = stream(engine, source, leaves, first_row, dir.path());
        INFO((got.status.ok() ? std::string() : got.status.error().message));
        REQUIRE(got.status.ok());
        CHECK(got.replica == replica);
        CHECK(got.root == *expected_root);
        CHECK(got.tree == expected);

        // BUILD_ONLY: the replica as leaves gives the same tree.
        TempDir again("gpu-stream-r-build");
        source = {};
        source.kind = gpu::TreeLeafSource::Kind::leaves;
        source.nodes = replica.data();
        auto rebuilt = stream(engine, source, leaves, first_row, again.path());
        REQUIRE(rebuilt.status.ok());
        CHECK(rebuilt.root == *expected_root);
        CHECK(rebuilt.tree == expected);
    }
}

TEST_CASE("gpu streaming: values >= r are refused with the sdk's wording", "[gpu][stream]")
{
    const uint64_t leaves = 4096;
    auto layer1 = random_nodes(leaves, 1), layer2 = random_nodes(leaves, 2);
    std::fill(layer2.begin() + 32 * 1000, layer2.begin() + 32 * 1001, 0xff);
    TempDir dir("gpu-stream-bad");
    HostTreeEngine engine(512, 2);
    gpu::TreeLeafSource source;
    source.kind = gpu::TreeLeafSource::Kind::columns;
    source.layers = {layer1.data(), layer2.data()};
    auto got = stream(engine, source, leaves, 0, dir.path());
    REQUIRE_FALSE(got.status.ok());
    CHECK(got.status.error().code == Errc::invalid_argument);
    CHECK(got.status.error().message.find("node of layer 2 at index 1000 ") == 0);

    source = {};
    source.kind = gpu::TreeLeafSource::Kind::encode_cc;
    source.nodes = layer2.data();
    auto cc = stream(engine, source, leaves, 2, dir.path());
    REQUIRE_FALSE(cc.status.ok());
    CHECK(cc.status.error().code == Errc::corrupt);
    CHECK(cc.status.error().message == "label of node 1000 is not a field element");
}
