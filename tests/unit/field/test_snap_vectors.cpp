// SPDX-License-Identifier: Apache-2.0
//
// SnapDeals primitives against storage-proofs-update derived/hard-coded
// vectors, including the full 2KiB (real sector key) and 8MiB updates.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "damocles/sdk/aux_files.hpp"
#include "damocles/sdk/poseidon_tree.hpp"
#include "damocles/sdk/sha254.hpp"
#include "damocles/sdk/snap.hpp"
#include "damocles/sdk/snap_proof.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "field_test_support.hpp"
#include "vectors.hpp"

using dmc::Fr;
using dmc::TreeShape;
using dmc::test::fr_from_hex;
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

std::string node_hex(std::span<const uint8_t> bytes, uint64_t node)
{
    return dmc::to_hex(bytes.subspan(32 * node, 32));
}

std::vector<uint64_t> u64s(const json &list)
{
    std::vector<uint64_t> out;
    for (const auto &x : list) out.push_back(x.get<uint64_t>());
    return out;
}

dmc::SnapParams params_for(uint64_t nodes)
{
    auto params = dmc::snap_params(nodes);
    REQUIRE(params.ok());
    return *params;
}

dmc::SnapEncoding encoding_for(const dmc::SnapParams &params, const Fr &phi, uint32_t h)
{
    auto encoding = dmc::snap_encoding(params, phi, h);
    REQUIRE(encoding.ok());
    return *encoding;
}

} // namespace

TEST_CASE("snap_parameters_table", "[field][snap][vectors]")
{
    const auto &table = use_vector("poseidon", "snap_parameters_table").at("expected");
    REQUIRE(table.size() == 5);
    for (const auto &[name, e] : table.items()) {
        INFO(name);
        const auto p = params_for(e.at("sector_nodes").get<uint64_t>());
        CHECK(p.partitions == e.at("partitions").get<uint32_t>());
        CHECK(p.challenges_per_partition == e.at("challenges_per_partition").get<uint32_t>());
        CHECK(std::vector<uint64_t>(p.hs.begin(), p.hs.end()) == u64s(e.at("hs_allowed")));
        CHECK(p.h_default == e.at("h_default").get<uint32_t>());
        CHECK(p.rho_shift_bits(p.h_default) == e.at("rho_shift_bits").get<uint32_t>());
        CHECK(1ull << p.h_default == e.at("distinct_rhos").get<uint64_t>());
        CHECK(p.sector_nodes >> p.h_default == e.at("nodes_per_rho").get<uint64_t>());
        CHECK(p.random_bits_per_challenge == e.at("random_bits_per_challenge").get<uint32_t>());
        CHECK(p.challenges_per_digest == e.at("challenges_per_digest").get<uint32_t>());
        CHECK(p.digests_per_partition == e.at("digests_per_partition").get<uint32_t>());
        CHECK(p.apex_leaf_count == e.at("apex_leaf_count").get<uint32_t>());
    }
}

TEST_CASE("snap_challenges_hardcoded: storage-proofs-update test vectors", "[field][snap][vectors]")
{
    const auto &v = use_vector("poseidon", "snap_challenges_hardcoded");
    const Fr comm_r_new = fr_from_hex(v.at("inputs").at("comm_r_new_le_hex"));
    const auto &cases = v.at("expected").at("cases");
    REQUIRE(cases.size() == 24);
    for (const auto &c : cases) {
        const uint64_t nodes = c.at("sector_nodes").get<uint64_t>();
        const uint32_t k = c.at("k").get<uint32_t>();
        INFO(nodes << " nodes, partition " << k);
        auto challenges = dmc::snap_challenges(params_for(nodes), comm_r_new, k);
        REQUIRE(challenges.ok());
        const std::vector<uint64_t> first5(challenges->begin(), challenges->begin() + 5);
        CHECK(first5 == u64s(c.at("first_5_challenges")));
    }
}

TEST_CASE("snap_challenges_full_derived: whole partitions and digests", "[field][snap][vectors]")
{
    const auto &v = use_vector("poseidon", "snap_challenges_full_derived");
    const Fr comm_r_new = fr_from_hex(v.at("inputs").at("comm_r_new_le_hex"));
    const auto &e = v.at("expected");
    for (const auto &[nodes_text, by_k] : e.at("challenges_by_sector_nodes_and_k").items()) {
        const auto params = params_for(std::stoull(nodes_text));
        for (const auto &[k_text, list] : by_k.items()) {
            INFO(nodes_text << " nodes, partition " << k_text);
            auto challenges = dmc::snap_challenges(params, comm_r_new, static_cast<uint32_t>(std::stoul(k_text)));
            REQUIRE(challenges.ok());
            CHECK(*challenges == u64s(list));
            const uint64_t k = std::stoull(k_text), span = params.sector_nodes / params.partitions;
            for (uint64_t c : *challenges) CHECK((c >= k * span && c < (k + 1) * span));
        }
    }
    for (const auto &[nodes_text, digests] : e.at("digest_j_le_hex_for_j_0_1_2").items()) {
        for (uint64_t j = 0; j < 3; ++j)
            CHECK(hex_of(dmc::snap_challenge_digest(comm_r_new, j)) == digests[j].get<std::string>());
    }
    CHECK_FALSE(dmc::snap_challenges(params_for(64), comm_r_new, 1).ok());
}

TEST_CASE("snap_phi_rho_32gib_example: phi, rho and one encoded node", "[field][snap][vectors]")
{
    const auto &v = use_vector("poseidon", "snap_phi_rho_32gib_example");
    const auto &in = v.at("inputs");
    const auto &e = v.at("expected");
    const Fr comm_r_old =
        dmc::comm_r_from(fr_from_hex(in.at("comm_c_le_hex")), fr_from_hex(in.at("comm_r_last_old_le_hex")));
    CHECK(hex_of(comm_r_old) == e.at("comm_r_old_le_hex").get<std::string>());
    const Fr phi = dmc::snap_phi(fr_from_hex(in.at("comm_d_new_le_hex")), comm_r_old);
    CHECK(hex_of(phi) == e.at("phi_le_hex").get<std::string>());
    for (const auto &[high, rho] : e.at("rho_by_high_le_hex").items())
        CHECK(hex_of(dmc::snap_rho(phi, std::stoull(high))) == rho.get<std::string>());

    const auto params = params_for(in.at("sector_nodes").get<uint64_t>());
    const auto encoding = encoding_for(params, phi, in.at("h").get<uint32_t>());
    const auto &example = e.at("encode_example");
    const uint64_t node = example.at("node_index").get<uint64_t>();
    CHECK(node >> encoding.rho_shift_bits == example.at("high").get<uint64_t>());
    const auto key = hex_bytes(example.at("sector_key_node_le_hex"));
    const auto data = hex_bytes(example.at("data_node_le_hex"));
    std::vector<uint8_t> replica(32), decoded(32), recovered_key(32);
    REQUIRE(dmc::snap_encode_nodes(encoding, node, 1, key.data(), data.data(), replica.data()).ok());
    CHECK(dmc::to_hex(replica) == example.at("new_replica_node_le_hex").get<std::string>());
    REQUIRE(dmc::snap_decode_nodes(encoding, node, 1, replica.data(), key.data(), decoded.data()).ok());
    CHECK(decoded == data);
    REQUIRE(dmc::snap_remove_data_nodes(encoding, node, 1, replica.data(), data.data(), recovered_key.data()).ok());
    CHECK(recovered_key == key);
}

TEST_CASE("snap_2kib_update_of_lotus_devnet_sector: full update of a real sector", "[field][snap][vectors]")
{
    const auto &v = use_vector("poseidon", "snap_2kib_update_of_lotus_devnet_sector");
    const auto &in = v.at("inputs");
    const auto &e = v.at("expected");
    // The sector key is the replica of the real 2KiB CC sector = its layer-2 labels.
    const auto &old = use_vector("poseidon", "pc2_2kib_lotus_devnet_sector");
    const auto sector_key = concat_hex(old.at("inputs").at("layer2_labels_le_hex"));
    const auto data = concat_hex(in.at("new_data_padded_nodes_le_hex"));
    const uint64_t nodes = 64;
    REQUIRE(sector_key.size() == 32 * nodes);
    REQUIRE(data.size() == 32 * nodes);
    const auto params = params_for(nodes);
    const uint32_t h = in.at("h").get<uint32_t>();
    CHECK(h == params.h_default);

    const dmc::Bytes32 comm_d_new = dmc::sha254_tree_root(data);
    CHECK(dmc::to_hex(comm_d_new) == e.at("comm_d_new_le_hex").get<std::string>());
    const Fr comm_c = fr_from_hex(in.at("comm_c_le_hex"));
    const Fr comm_r_old = dmc::comm_r_from(comm_c, fr_from_hex(in.at("comm_r_last_old_le_hex")));
    CHECK(hex_of(comm_r_old) == e.at("comm_r_old_le_hex").get<std::string>());
    const Fr phi = dmc::snap_phi(*Fr::from_bytes(comm_d_new), comm_r_old);
    CHECK(hex_of(phi) == e.at("phi_le_hex").get<std::string>());
    const auto encoding = encoding_for(params, phi, h);
    REQUIRE(encoding.rhos.size() == 2);
    CHECK(encoding.rho_shift_bits == 5);
    for (size_t i = 0; i < 2; ++i) {
        CHECK(hex_of(encoding.rhos[i]) == e.at("rho_le_hex")[i].get<std::string>());
        CHECK(hex_of(encoding.rho_inverses[i]) == e.at("rho_inv_le_hex")[i].get<std::string>());
    }

    std::vector<uint8_t> replica(32 * nodes);
    REQUIRE(dmc::snap_encode_nodes(encoding, 0, nodes, sector_key.data(), data.data(), replica.data()).ok());
    for (uint64_t i = 0; i < nodes; ++i)
        REQUIRE(node_hex(replica, i) == e.at("new_replica_nodes_le_hex")[i].get<std::string>());
    CHECK(dmc::to_hex(dmc::sha256(replica)) == e.at("new_replica_sha256").get<std::string>());

    auto geometry = dmc::BaseTreeGeometry::for_leaves(nodes);
    REQUIRE(geometry.ok());
    std::vector<uint8_t> full(32 * geometry->total_nodes());
    auto comm_r_last_new = dmc::build_base_tree(replica.data(), nodes, full.data(), 0);
    REQUIRE(comm_r_last_new.ok());
    const auto &rows = e.at("tree_r_last_new_rows_le_hex");
    for (unsigned row = 0; row < geometry->rows(); ++row) {
        for (uint64_t m = 0; m < geometry->row_nodes(row); ++m)
            CHECK(node_hex(full, geometry->row_offset(row, 0) + m) == rows[row][m].get<std::string>());
    }
    CHECK(hex_of(*comm_r_last_new) == e.at("comm_r_last_new_le_hex").get<std::string>());
    CHECK(hex_of(dmc::comm_r_from(comm_c, *comm_r_last_new)) == e.at("comm_r_new_le_hex").get<std::string>());
    CHECK(dmc::to_hex(dmc::serialize_p_aux({comm_c, *comm_r_last_new})) == e.at("p_aux_new_hex").get<std::string>());

    auto challenges = dmc::snap_challenges(params, dmc::comm_r_from(comm_c, *comm_r_last_new), 0);
    REQUIRE(challenges.ok());
    CHECK(*challenges == u64s(e.at("partition_0_challenges")));
    CHECK(e.at("rho_index_rule").get<std::string>() == "node i uses rho[i >> 5]");

    auto apex_row = dmc::snap_apex_row_from_data(params, data);
    REQUIRE(apex_row.ok());
    auto apex = dmc::snap_apex_leafs(params, *apex_row, 0);
    REQUIRE(apex.ok());
    REQUIRE(apex->size() == e.at("partition_0_apex_leafs_hex").size());
    for (size_t i = 0; i < apex->size(); ++i)
        CHECK(dmc::to_hex((*apex)[i]) == e.at("partition_0_apex_leafs_hex")[i].get<std::string>());
    CHECK(dmc::sha254_tree_root(*apex_row) == comm_d_new);

    // The vanilla partition proof built from level caches carries the same
    // challenges and apex leafs, and verifies.
    std::vector<uint8_t> old_cache(32), new_cache(32);
    REQUIRE(dmc::build_base_tree(sector_key.data(), nodes, old_cache.data(), 2).ok());
    REQUIRE(dmc::build_base_tree(replica.data(), nodes, new_cache.data(), 2).ok());
    std::vector<uint8_t> tree_d = data;
    for (uint64_t width = nodes; width > 1; width /= 2) {
        std::vector<uint8_t> next(32 * (width / 2));
        dmc::sha254_level(tree_d.data() + tree_d.size() - 32 * width, next.data(), width / 2);
        tree_d.insert(tree_d.end(), next.begin(), next.end());
    }
    const dmc::StoredBaseTree old_tree[] = {{old_cache, 2}}, new_tree[] = {{new_cache, 2}};
    dmc::SnapPublicInputs inputs{0, comm_r_old, comm_d_new, dmc::comm_r_from(comm_c, *comm_r_last_new), h};
    auto proof = dmc::snap_prove_partition(
        params, inputs, {TreeShape{8, 0, 0}, nodes, comm_c, old_tree, sector_key, new_tree, replica, tree_d});
    REQUIRE(proof.ok());
    REQUIRE(proof->apex_leafs == *apex);
    for (size_t i = 0; i < proof->challenge_proofs.size(); ++i)
        CHECK(proof->challenge_proofs[i].proof_r_new.leaf_index() == e.at("partition_0_challenges")[i].get<uint64_t>());
    auto verified = dmc::snap_verify_partition(params, TreeShape{8, 0, 0}, nodes, inputs, *proof);
    REQUIRE(verified.ok());
    CHECK(*verified);

    std::vector<uint8_t> decoded(32 * nodes), key_again(32 * nodes);
    REQUIRE(dmc::snap_decode_nodes(encoding, 0, nodes, replica.data(), sector_key.data(), decoded.data()).ok());
    CHECK((decoded == data) == e.at("decode_roundtrip_ok").get<bool>());
    REQUIRE(dmc::snap_remove_data_nodes(encoding, 0, nodes, replica.data(), data.data(), key_again.data()).ok());
    CHECK((key_again == sector_key) == e.at("remove_encoded_data_roundtrip_ok").get<bool>());
}

TEST_CASE("snap_8mib_synthetic_update: 2^18 nodes, 1024 rho values, 4 partitions", "[field][snap][vectors]")
{
    const auto &v = use_vector("poseidon", "snap_8mib_synthetic_update");
    const auto &e = v.at("expected");
    const auto &old = use_vector("poseidon", "pc2_8mib_synthetic_labels");
    const uint64_t nodes = old.at("inputs").at("nodes").get<uint64_t>();
    const auto params = params_for(nodes);
    const uint32_t h = v.at("inputs").at("h").get<uint32_t>();
    REQUIRE(v.at("inputs").at("new_data_rule").get<std::string>().find("Fr(i)") != std::string::npos);

    // Old replica = layer-2 labels Fr(2 * 2^32 + i); new data node i = Fr(i).
    std::vector<uint8_t> sector_key(32 * nodes), data(32 * nodes);
    for (uint64_t i = 0; i < nodes; ++i) {
        Fr::from_u64((uint64_t{2} << 32) + i).to_bytes(sector_key.data() + 32 * i);
        Fr::from_u64(i).to_bytes(data.data() + 32 * i);
    }
    const Fr comm_c = fr_from_hex(old.at("expected").at("comm_c_le_hex"));
    const Fr comm_r_old = fr_from_hex(old.at("expected").at("comm_r_le_hex"));
    CHECK(hex_of(comm_r_old) == e.at("comm_r_old_le_hex").get<std::string>());
    const dmc::Bytes32 comm_d_new = dmc::sha254_tree_root(data);
    CHECK(dmc::to_hex(comm_d_new) == e.at("comm_d_new_le_hex").get<std::string>());
    const Fr phi = dmc::snap_phi(*Fr::from_bytes(comm_d_new), comm_r_old);
    CHECK(hex_of(phi) == e.at("phi_le_hex").get<std::string>());

    const auto encoding = encoding_for(params, phi, h);
    const auto &some = e.at("rho_le_hex_for_high_0_1_1023");
    CHECK(hex_of(encoding.rhos[0]) == some[0].get<std::string>());
    CHECK(hex_of(encoding.rhos[1]) == some[1].get<std::string>());
    CHECK(hex_of(encoding.rhos[1023]) == some[2].get<std::string>());
    std::vector<uint8_t> rho_bytes;
    for (const Fr &rho : encoding.rhos) {
        const auto b = rho.to_bytes();
        rho_bytes.insert(rho_bytes.end(), b.begin(), b.end());
    }
    CHECK(dmc::to_hex(dmc::sha256(rho_bytes)) == e.at("rhos_sha256_of_le_concat_high_0_to_1023").get<std::string>());

    std::vector<uint8_t> replica(32 * nodes);
    REQUIRE(dmc::snap_encode_nodes(encoding, 0, nodes, sector_key.data(), data.data(), replica.data()).ok());
    CHECK(dmc::to_hex(dmc::sha256(replica)) == e.at("new_replica_sha256").get<std::string>());
    CHECK(node_hex(replica, 0) == e.at("new_replica_node_0_le_hex").get<std::string>());
    CHECK(node_hex(replica, 257) == e.at("new_replica_node_257_le_hex").get<std::string>());

    auto layout = dmc::sector_tree_layout(nodes * 32);
    REQUIRE(layout.ok());
    std::vector<uint8_t> cache(layout->tree_r_last_file_bytes);
    dmc::TreeBuildOptions options;
    options.threads = 2;
    auto comm_r_last_new =
        dmc::build_base_tree(replica.data(), nodes, cache.data(), layout->rows_to_discard + 1, options);
    REQUIRE(comm_r_last_new.ok());
    CHECK(dmc::to_hex(dmc::sha256(cache)) == e.at("tree_r_last_new_file_sha256").get<std::string>());
    CHECK(hex_of(*comm_r_last_new) == e.at("comm_r_last_new_le_hex").get<std::string>());
    const Fr comm_r_new = dmc::comm_r_from(comm_c, *comm_r_last_new);
    CHECK(hex_of(comm_r_new) == e.at("comm_r_new_le_hex").get<std::string>());

    for (const auto &[k_text, list] : e.at("challenges_by_partition").items()) {
        auto challenges = dmc::snap_challenges(params, comm_r_new, static_cast<uint32_t>(std::stoul(k_text)));
        REQUIRE(challenges.ok());
        CHECK(*challenges == u64s(list));
    }

    auto apex_row = dmc::snap_apex_row_from_data(params, data);
    REQUIRE(apex_row.ok());
    REQUIRE(apex_row->size() == 32 * 512);
    CHECK(node_hex(*apex_row, 0) == e.at("apex_leafs_partition_0_first2_hex")[0].get<std::string>());
    CHECK(node_hex(*apex_row, 1) == e.at("apex_leafs_partition_0_first2_hex")[1].get<std::string>());
    CHECK(node_hex(*apex_row, 511) == e.at("apex_leafs_partition_3_last_hex").get<std::string>());
    for (uint32_t k = 0; k < params.partitions; ++k) {
        auto leafs = dmc::snap_apex_leafs(params, *apex_row, k);
        REQUIRE(leafs.ok());
        std::vector<uint8_t> concat;
        for (const auto &leaf : *leafs) concat.insert(concat.end(), leaf.begin(), leaf.end());
        CHECK(dmc::to_hex(dmc::sha256(concat)) ==
              e.at("apex_leafs_all_sha256_of_concat_by_partition")[k].get<std::string>());
    }
    CHECK(dmc::sha254_tree_root(*apex_row) == comm_d_new);
}
