// SPDX-License-Identifier: Apache-2.0
//
// Tree geometry, compound roots, real 32GiB roots and inclusion proofs, the
// golden t_aux and the single-node encoding example.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "damocles/sdk/aux_files.hpp"
#include "damocles/sdk/merkle_proof.hpp"
#include "damocles/sdk/poseidon.hpp"
#include "damocles/sdk/poseidon_tree.hpp"
#include "damocles/sdk/replica_encoding.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "field_test_support.hpp"
#include "vectors.hpp"

using dmc::Fr;
using dmc::TreeShape;
using dmc::test::fr_from_hex;
using dmc::test::frs_from_hex;
using dmc::test::hex_bytes;
using dmc::test::hex_of;
using dmc::test::json;
using dmc::test::use_vector;

namespace {

std::vector<std::string> strings(const json &list)
{
    std::vector<std::string> out;
    for (const auto &s : list) out.push_back(s.get<std::string>());
    return out;
}

dmc::MerklePathElement path_element(const json &j)
{
    dmc::MerklePathElement element;
    element.siblings = frs_from_hex(j.at("siblings_le_hex"));
    element.index = j.at("index").get<uint32_t>();
    return element;
}

void check_store_config(const dmc::StoreConfig &config, const json &expected)
{
    CHECK(config.path == expected.at("path").get<std::string>());
    CHECK(config.id == expected.at("id").get<std::string>());
    REQUIRE(config.size.has_value());
    CHECK(*config.size == expected.at("size").get<uint64_t>());
    CHECK(config.rows_to_discard == expected.at("rows_to_discard").get<uint64_t>());
}

} // namespace

TEST_CASE("tree_shapes_and_file_sizes: layout of every sector size", "[field][tree][vectors]")
{
    const auto &sizes = use_vector("poseidon", "tree_shapes_and_file_sizes").at("expected");
    REQUIRE(sizes.size() == 5);
    for (const auto &[name, e] : sizes.items()) {
        INFO(name);
        auto layout = dmc::sector_tree_layout(e.at("sector_bytes").get<uint64_t>());
        REQUIRE(layout.ok());
        CHECK(layout->nodes == e.at("nodes").get<uint64_t>());
        CHECK(layout->layers == e.at("layers").get<uint32_t>());
        CHECK(layout->column_arity == e.at("column_arity").get<uint32_t>());
        CHECK(layout->shape.base_arity == e.at("base_arity").get<uint32_t>());
        CHECK(layout->shape.sub_arity == e.at("sub_arity").get<uint32_t>());
        CHECK(layout->shape.top_arity == e.at("top_arity").get<uint32_t>());
        CHECK(layout->base_tree_count == e.at("base_tree_count").get<uint32_t>());
        CHECK(layout->base_tree.leaves == e.at("base_tree_leaves").get<uint64_t>());
        CHECK(layout->base_tree.total_nodes() == e.at("base_tree_len_nodes").get<uint64_t>());
        CHECK(layout->base_tree.rows() == e.at("base_tree_rows").get<unsigned>());
        CHECK(layout->rows_to_discard == e.at("tree_r_last_rows_to_discard").get<unsigned>());
        CHECK(layout->tree_r_last_file_nodes == e.at("tree_r_last_file_nodes").get<uint64_t>());
        CHECK(layout->tree_r_last_file_bytes == e.at("tree_r_last_file_bytes").get<uint64_t>());
        CHECK(layout->tree_c_file_bytes == e.at("tree_c_file_bytes").get<uint64_t>());
        CHECK(layout->tree_d_nodes == e.at("tree_d_len_nodes").get<uint64_t>());
        CHECK(layout->tree_d_file_bytes == e.at("tree_d_file_bytes").get<uint64_t>());
        CHECK(layout->tree_c_files == strings(e.at("tree_c_files")));
        CHECK(layout->tree_r_last_files == strings(e.at("tree_r_last_files")));
        CHECK(layout->label_files == strings(e.at("label_files")));
    }
}

TEST_CASE("tree_compound_shapes_synthetic_roots: 32GiB and 64GiB reductions", "[field][tree][vectors]")
{
    const auto &v = use_vector("poseidon", "tree_compound_shapes_synthetic_roots");
    const auto roots = frs_from_hex(v.at("inputs").at("base_roots_le_hex"));
    REQUIRE(roots.size() == 16);
    const auto &e = v.at("expected");
    const std::span<const Fr> all(roots);
    auto r32 = dmc::compound_root(TreeShape{8, 8, 0}, all.first(8));
    REQUIRE(r32.ok());
    CHECK(hex_of(*r32) == e.at("shape_32gib_comm_r_last_from_roots_0_7_le_hex").get<std::string>());
    const Fr sub0 = dmc::poseidon_hash(8, all.first(8)), sub1 = dmc::poseidon_hash(8, all.subspan(8, 8));
    CHECK(hex_of(sub0) == e.at("shape_64gib_sub_root_0_le_hex").get<std::string>());
    CHECK(hex_of(sub1) == e.at("shape_64gib_sub_root_1_le_hex").get<std::string>());
    auto r64 = dmc::compound_root(TreeShape{8, 8, 2}, all);
    REQUIRE(r64.ok());
    CHECK(hex_of(*r64) == e.at("shape_64gib_comm_r_last_le_hex").get<std::string>());
    CHECK(dmc::poseidon_hash2(sub0, sub1) == *r64);
    CHECK_FALSE(dmc::compound_root(TreeShape{8, 8, 2}, all.first(8)).ok());
    auto single = dmc::compound_root(TreeShape{8, 0, 0}, all.first(1));
    REQUIRE(single.ok());
    CHECK(*single == roots[0]);
}

TEST_CASE("tree_r_last_32gib_roots_to_comm_r_last_real: real base roots and p_aux", "[field][tree][vectors]")
{
    const auto &v = use_vector("poseidon", "tree_r_last_32gib_roots_to_comm_r_last_real");
    const auto roots = frs_from_hex(v.at("inputs").at("base_roots_le_hex"));
    const auto &e = v.at("expected");
    auto comm_r_last = dmc::compound_root(TreeShape{8, 8, 0}, roots);
    REQUIRE(comm_r_last.ok());
    CHECK(hex_of(*comm_r_last) == e.at("comm_r_last_le_hex").get<std::string>());

    auto p_aux = dmc::parse_p_aux(hex_bytes(e.at("p_aux_hex")));
    REQUIRE(p_aux.ok());
    CHECK(p_aux->comm_r_last == *comm_r_last);
    CHECK(hex_of(p_aux->comm_c) == e.at("comm_c_le_hex").get<std::string>());
    CHECK(dmc::to_hex(dmc::serialize_p_aux(*p_aux)) == e.at("p_aux_hex").get<std::string>());
    CHECK(hex_of(dmc::comm_r_from(p_aux->comm_c, *comm_r_last)) == e.at("comm_r_le_hex").get<std::string>());
}

TEST_CASE("real_32gib_tree_r_last_inclusion_proofs: a WindowPoSt proof verifies", "[field][tree][vectors]")
{
    const auto &v = use_vector("poseidon", "real_32gib_tree_r_last_inclusion_proofs");
    const auto &in = v.at("inputs");
    const auto &e = v.at("expected");
    const auto &example = in.at("example_proof");
    dmc::PoseidonMerkleProof proof;
    proof.leaf = fr_from_hex(example.at("leaf_le_hex"));
    for (const auto &element : example.at("base_path")) proof.path.push_back(path_element(element));
    for (const auto &element : example.at("sub_path")) proof.path.push_back(path_element(element));
    proof.root = fr_from_hex(e.at("comm_r_last_le_hex"));

    const uint64_t base_leaves = 1ull << 27;
    CHECK(dmc::verify_merkle_proof(proof, TreeShape{8, 8, 0}, base_leaves));
    CHECK(hex_of(dmc::merkle_proof_compute_root(proof)) == e.at("example_proof_root_le_hex").get<std::string>());

    const auto &all = e.at("all_10_proofs");
    REQUIRE(all.size() == 10);
    CHECK(proof.leaf_index() == all[0].at("leaf_index").get<uint64_t>());
    CHECK(hex_of(proof.leaf) == all[0].at("leaf_le_hex").get<std::string>());
    CHECK(proof.path.back().index == all[0].at("base_tree").get<uint32_t>());
    for (const auto &p : all) {
        CHECK(p.at("leaf_index").get<uint64_t>() >> 27 == p.at("base_tree").get<uint64_t>());
        CHECK(dmc::fr_bytes_valid(hex_bytes(p.at("leaf_le_hex")).data()));
    }
    CHECK(e.at("all_proofs_verify").get<bool>());

    // The sub-tree siblings are the other real base roots (same sector).
    const auto roots = frs_from_hex(
        use_vector("poseidon", "tree_r_last_32gib_roots_to_comm_r_last_real").at("inputs").at("base_roots_le_hex"));
    std::vector<Fr> others;
    for (size_t i = 0; i < roots.size(); ++i) {
        if (i != proof.path.back().index) others.push_back(roots[i]);
    }
    CHECK(proof.path.back().siblings == others);

    const Fr comm_r = dmc::comm_r_from(fr_from_hex(e.at("comm_c_le_hex")), proof.root);
    CHECK(hex_of(comm_r) == e.at("comm_r_le_hex").get<std::string>());
    const std::string sector = in.at("sector").get<std::string>();
    const std::string cid = sector.substr(sector.rfind(' ') + 1);
    CHECK(dmc::to_hex(dmc::test::comm_r_cid_digest(cid)) == hex_of(comm_r));

    // Any corruption breaks it: a sibling, the leaf, an index.
    auto bad = proof;
    bad.path[3].siblings[2] += Fr::one();
    CHECK_FALSE(dmc::verify_merkle_proof(bad, TreeShape{8, 8, 0}, base_leaves));
    bad = proof;
    bad.leaf += Fr::one();
    CHECK_FALSE(dmc::verify_merkle_proof(bad, TreeShape{8, 8, 0}, base_leaves));
    bad = proof;
    bad.path[0].index ^= 1;
    CHECK_FALSE(dmc::verify_merkle_proof(bad, TreeShape{8, 8, 0}, base_leaves));
    CHECK_FALSE(dmc::verify_merkle_proof(proof, TreeShape{8, 8, 2}, base_leaves));
    CHECK_FALSE(dmc::verify_merkle_proof(proof, TreeShape{8, 8, 0}, base_leaves / 8));
}

TEST_CASE("curio_t_aux_golden_32gib: parse, re-serialize and rebuild a real t_aux", "[field][aux][vectors]")
{
    const auto &v = use_vector("poseidon", "curio_t_aux_golden_32gib");
    const auto bytes = hex_bytes(v.at("inputs").at("t_aux_hex"));
    const auto &e = v.at("expected");
    CHECK(bytes.size() == e.at("total_len").get<size_t>());
    auto t_aux = dmc::parse_t_aux(bytes);
    REQUIRE(t_aux.ok());
    REQUIRE(t_aux->labels.size() == e.at("labels").size());
    for (size_t i = 0; i < t_aux->labels.size(); ++i) check_store_config(t_aux->labels[i], e.at("labels")[i]);
    check_store_config(t_aux->tree_d, e.at("tree_d_config"));
    check_store_config(t_aux->tree_r_last, e.at("tree_r_last_config"));
    check_store_config(t_aux->tree_c, e.at("tree_c_config"));
    CHECK(dmc::serialize_t_aux(*t_aux) == bytes);

    // PC2's own t_aux for this cache dir is byte-identical to the real one.
    auto layout = dmc::sector_tree_layout(32ull << 30);
    REQUIRE(layout.ok());
    auto built =
        dmc::make_t_aux(t_aux->tree_c.path, layout->layers, layout->nodes, layout->shape, layout->rows_to_discard);
    REQUIRE(built.ok());
    CHECK(*built == *t_aux);
    CHECK(dmc::serialize_t_aux(*built) == bytes);
}

TEST_CASE("encode_pc2_single_node_example: replica = key + data", "[field][tree][vectors]")
{
    const auto &v = use_vector("poseidon", "encode_pc2_single_node_example");
    const auto key = hex_bytes(v.at("inputs").at("key_le_hex"));
    const auto data = hex_bytes(v.at("inputs").at("data_le_hex"));
    std::vector<uint8_t> replica(32), decoded(32);
    REQUIRE(dmc::encode_replica(key.data(), data.data(), replica.data(), 1).ok());
    CHECK(dmc::to_hex(replica) == v.at("expected").at("replica_le_hex").get<std::string>());
    REQUIRE(dmc::decode_replica(replica.data(), key.data(), decoded.data(), 1).ok());
    CHECK(dmc::to_hex(decoded) == v.at("expected").at("decoded_le_hex").get<std::string>());

    // The same identity as stated in sdr.json (docs/algorithms.md §10.6).
    const auto &sdr = use_vector("sdr", "encode_fr_add");
    const auto sdr_key = hex_bytes(sdr.at("inputs").at("key_hex"));
    const auto sdr_data = hex_bytes(sdr.at("inputs").at("data_hex"));
    REQUIRE(dmc::encode_replica(sdr_key.data(), sdr_data.data(), replica.data(), 1).ok());
    CHECK(dmc::to_hex(replica) == sdr.at("expected").at("replica_hex").get<std::string>());

    // Out-of-range operands are refused, not reduced.
    auto bad = key;
    bad[31] = 0xff;
    CHECK_FALSE(dmc::encode_replica(bad.data(), data.data(), replica.data(), 1).ok());
    CHECK_FALSE(dmc::decode_replica(replica.data(), bad.data(), decoded.data(), 1).ok());
}
