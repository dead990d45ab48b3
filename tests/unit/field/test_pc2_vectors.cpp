// SPDX-License-Identifier: Apache-2.0
//
// PC2 end to end on the real 2KiB lotus devnet sector (every intermediate
// value) and on the synthetic 8MiB sector (rows_to_discard = 2 layout).
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "damocles/sdk/aux_files.hpp"
#include "damocles/sdk/poseidon.hpp"
#include "damocles/sdk/poseidon_tree.hpp"
#include "damocles/sdk/replica_encoding.hpp"
#include "damocles/sdk/sha254.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "field_test_support.hpp"
#include "vectors.hpp"

using dmc::Fr;
using dmc::TreeShape;
using dmc::test::hex_bytes;
using dmc::test::hex_of;
using dmc::test::json;
using dmc::test::use_vector;

namespace {

std::vector<uint8_t> concat_hex(const json &list)
{
    std::vector<uint8_t> out;
    for (const auto &h : list) {
        const auto bytes = hex_bytes(h);
        out.insert(out.end(), bytes.begin(), bytes.end());
    }
    return out;
}

std::string node_hex(const std::vector<uint8_t> &bytes, uint64_t node)
{
    return dmc::to_hex(std::span<const uint8_t>(bytes).subspan(32 * node, 32));
}

std::string sha256_hex(std::span<const uint8_t> bytes) { return dmc::to_hex(dmc::sha256(bytes)); }

// Rows of a full-layout buffer compared with the vector's rows.
void check_rows(const std::vector<uint8_t> &full, const dmc::BaseTreeGeometry &geometry, const json &rows)
{
    REQUIRE(rows.size() == geometry.rows());
    for (unsigned row = 0; row < geometry.rows(); ++row) {
        REQUIRE(rows[row].size() == geometry.row_nodes(row));
        for (uint64_t m = 0; m < geometry.row_nodes(row); ++m)
            REQUIRE(node_hex(full, geometry.row_offset(row, 0) + m) == rows[row][m].get<std::string>());
    }
}

// Label l (1-based) of node i of the synthetic sector: Fr(l * 2^32 + i).
std::vector<uint8_t> synthetic_layer(unsigned layer, uint64_t nodes)
{
    std::vector<uint8_t> out(32 * nodes);
    for (uint64_t i = 0; i < nodes; ++i) Fr::from_u64((uint64_t{layer} << 32) + i).to_bytes(out.data() + 32 * i);
    return out;
}

} // namespace

TEST_CASE("pc2_2kib_lotus_devnet_sector: labels to CommR and cache files", "[field][tree][pc2][vectors]")
{
    const auto &v = use_vector("poseidon", "pc2_2kib_lotus_devnet_sector");
    const auto &in = v.at("inputs");
    const auto &e = v.at("expected");
    auto layout = dmc::sector_tree_layout(in.at("sector_size").get<uint64_t>());
    REQUIRE(layout.ok());
    REQUIRE(in.at("registered_seal_proof") == "StackedDrg2KiBV1_1");
    const uint64_t nodes = layout->nodes;
    const auto layer1 = concat_hex(in.at("layer1_labels_le_hex"));
    const auto layer2 = concat_hex(in.at("layer2_labels_le_hex"));
    REQUIRE(layer1.size() == 32 * nodes);
    REQUIRE(layer2.size() == 32 * nodes);

    // tree_c: column hashes written straight into row 0 of the full layout.
    std::vector<uint8_t> tree_c(layout->tree_c_file_bytes);
    const uint8_t *layers[] = {layer1.data(), layer2.data()};
    REQUIRE(dmc::hash_columns(layers, nodes, tree_c.data()).ok());
    const auto &columns = e.at("column_hashes_le_hex");
    for (uint64_t i = 0; i < nodes; ++i) REQUIRE(node_hex(tree_c, i) == columns[i].get<std::string>());
    auto comm_c = dmc::build_base_tree(tree_c.data(), nodes, tree_c.data(), 0);
    REQUIRE(comm_c.ok());
    check_rows(tree_c, layout->base_tree, e.at("tree_c_rows_le_hex"));
    CHECK(tree_c.size() == e.at("tree_c_file_len").get<size_t>());
    CHECK(sha256_hex(tree_c) == e.at("tree_c_file_sha256").get<std::string>());
    CHECK(hex_of(*comm_c) == e.at("comm_c_le_hex").get<std::string>());

    // Replica = last layer + data (CC: zeros), then tree_r_last.
    REQUIRE(in.at("data").get<std::string>().find("2048 zero bytes") != std::string::npos);
    const std::vector<uint8_t> data(32 * nodes, 0);
    std::vector<uint8_t> replica(32 * nodes);
    REQUIRE(dmc::encode_replica(layer2.data(), data.data(), replica.data(), nodes).ok());
    CHECK(sha256_hex(replica) == e.at("replica_sha256").get<std::string>());

    std::vector<uint8_t> full_r(layout->base_tree.total_nodes() * 32);
    REQUIRE(dmc::build_base_tree(replica.data(), nodes, full_r.data(), 0).ok());
    check_rows(full_r, layout->base_tree, e.at("tree_r_last_rows_le_hex"));

    std::vector<uint8_t> cache(layout->tree_r_last_file_bytes);
    auto comm_r_last = dmc::build_base_tree(replica.data(), nodes, cache.data(), layout->rows_to_discard + 1);
    REQUIRE(comm_r_last.ok());
    CHECK(dmc::to_hex(cache) == e.at("tree_r_last_file_hex").get<std::string>());
    CHECK(cache.size() == e.at("tree_r_last_file_len").get<size_t>());
    CHECK(hex_of(*comm_r_last) == e.at("comm_r_last_le_hex").get<std::string>());

    const Fr comm_r = dmc::comm_r_from(*comm_c, *comm_r_last);
    CHECK(hex_of(comm_r) == e.at("comm_r_le_hex").get<std::string>());
    CHECK(dmc::to_hex(dmc::test::comm_r_cid_digest(e.at("comm_r_cid").get<std::string>())) == hex_of(comm_r));

    CHECK(dmc::to_hex(dmc::serialize_p_aux({*comm_c, *comm_r_last})) == e.at("p_aux_hex").get<std::string>());
    auto t_aux = dmc::make_t_aux("/cache", layout->layers, nodes, layout->shape, layout->rows_to_discard);
    REQUIRE(t_aux.ok());
    CHECK(dmc::to_hex(dmc::serialize_t_aux(*t_aux)) == e.at("t_aux_hex_for_cache_path_/cache").get<std::string>());
}

TEST_CASE("pc2_8mib_synthetic_labels: 2^18 columns, full tree-c, level-cache tree-r-last",
          "[field][tree][pc2][vectors]")
{
    const auto &v = use_vector("poseidon", "pc2_8mib_synthetic_labels");
    const auto &in = v.at("inputs");
    const auto &e = v.at("expected");
    auto layout = dmc::sector_tree_layout(in.at("sector_size").get<uint64_t>());
    REQUIRE(layout.ok());
    const uint64_t nodes = in.at("nodes").get<uint64_t>();
    REQUIRE(layout->nodes == nodes);
    REQUIRE(in.at("layers").get<uint32_t>() == 2);
    REQUIRE(in.at("label_rule").get<std::string>().find("l*2^32 + i") != std::string::npos);
    const auto layer1 = synthetic_layer(1, nodes), layer2 = synthetic_layer(2, nodes);
    dmc::TreeBuildOptions options;
    options.threads = 2;

    std::vector<uint8_t> tree_c(layout->tree_c_file_bytes);
    const uint8_t *layers[] = {layer1.data(), layer2.data()};
    REQUIRE(dmc::hash_columns(layers, nodes, tree_c.data(), options).ok());
    CHECK(node_hex(tree_c, 0) == e.at("column_hash_0_le_hex").get<std::string>());
    CHECK(node_hex(tree_c, 1) == e.at("column_hash_1_le_hex").get<std::string>());
    CHECK(node_hex(tree_c, nodes - 1) == e.at("column_hash_last_le_hex").get<std::string>());
    auto comm_c = dmc::build_base_tree(tree_c.data(), nodes, tree_c.data(), 0, options);
    REQUIRE(comm_c.ok());
    CHECK(tree_c.size() == e.at("tree_c_file_len").get<size_t>());
    CHECK(sha256_hex(tree_c) == e.at("tree_c_file_sha256").get<std::string>());
    CHECK(hex_of(*comm_c) == e.at("comm_c_le_hex").get<std::string>());

    // CC: the replica is the last layer.
    std::vector<uint8_t> replica(32 * nodes);
    const std::vector<uint8_t> zeros(32 * nodes, 0);
    REQUIRE(dmc::encode_replica(layer2.data(), zeros.data(), replica.data(), nodes).ok());
    REQUIRE(replica == layer2);
    std::vector<uint8_t> cache(layout->tree_r_last_file_bytes);
    REQUIRE(layout->rows_to_discard == 2);
    auto comm_r_last = dmc::build_base_tree(replica.data(), nodes, cache.data(), layout->rows_to_discard + 1, options);
    REQUIRE(comm_r_last.ok());
    CHECK(cache.size() == e.at("tree_r_last_file_len").get<size_t>());
    CHECK(sha256_hex(cache) == e.at("tree_r_last_file_sha256").get<std::string>());
    CHECK(node_hex(cache, 0) == e.at("tree_r_last_file_first_node_le_hex").get<std::string>());
    CHECK(node_hex(cache, cache.size() / 32 - 1) == e.at("tree_r_last_file_last_node_le_hex").get<std::string>());
    CHECK(hex_of(*comm_r_last) == e.at("comm_r_last_le_hex").get<std::string>());

    // The two discarded rows, first node each, recomputed by hand.
    std::vector<Fr> leaves(64);
    for (int i = 0; i < 64; ++i) leaves[i] = *Fr::from_bytes(std::span<const uint8_t>(replica).subspan(32 * i, 32));
    std::vector<Fr> row1(8);
    for (int m = 0; m < 8; ++m) row1[m] = dmc::poseidon_hash(8, std::span<const Fr>(leaves).subspan(8 * m, 8));
    CHECK(hex_of(row1[0]) == e.at("tree_r_last_row1_first_node_le_hex").get<std::string>());
    CHECK(hex_of(dmc::poseidon_hash(8, row1)) == e.at("tree_r_last_row2_first_node_le_hex").get<std::string>());

    CHECK(hex_of(dmc::comm_r_from(*comm_c, *comm_r_last)) == e.at("comm_r_le_hex").get<std::string>());
}
