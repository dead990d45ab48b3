// SPDX-License-Identifier: Apache-2.0
//
// Tree builders against a naive reference built in the test with the plain
// permutation, every stored layout, threads, progress, cancellation, and
// rejection of bad input.
#include <algorithm>
#include <atomic>
#include <random>
#include <vector>

#include <catch2/catch.hpp>

#include "damocles/sdk/poseidon.hpp"
#include "damocles/sdk/poseidon_tree.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "field_test_support.hpp"

using dmc::Fr;

namespace {

Fr plain_hash(const std::vector<Fr> &inputs)
{
    const auto arity = static_cast<unsigned>(inputs.size());
    std::vector<Fr> state{dmc::poseidon_merkle_tree_tag(arity)};
    state.insert(state.end(), inputs.begin(), inputs.end());
    dmc::poseidon_permute_plain(dmc::poseidon_constants(arity), state);
    return state[1];
}

// All rows of the tree, bottom up, straight from the definition.
std::vector<std::vector<Fr>> reference_rows(const std::vector<uint8_t> &leaves)
{
    std::vector<std::vector<Fr>> rows(1);
    for (size_t i = 0; i < leaves.size() / 32; ++i)
        rows[0].push_back(*Fr::from_bytes(std::span(leaves).subspan(32 * i, 32)));
    while (rows.back().size() > 1) {
        const auto &below = rows.back();
        std::vector<Fr> row;
        for (size_t m = 0; m < below.size() / 8; ++m)
            row.push_back(plain_hash({below.begin() + 8 * m, below.begin() + 8 * m + 8}));
        rows.push_back(std::move(row));
    }
    return rows;
}

std::vector<uint8_t> stored_layout(const std::vector<std::vector<Fr>> &rows, unsigned first_row)
{
    std::vector<uint8_t> out;
    for (unsigned row = first_row; row < rows.size(); ++row) {
        for (const Fr &node : rows[row]) {
            const auto b = node.to_bytes();
            out.insert(out.end(), b.begin(), b.end());
        }
    }
    return out;
}

} // namespace

TEST_CASE("build_base_tree matches the definition in every layout and thread count", "[field][tree]")
{
    std::mt19937_64 rng(0x5eed0201);
    for (uint64_t leaves_count : {1ull, 8ull, 64ull, 512ull, 4096ull, 32768ull}) {
        const auto leaves = dmc::test::random_nodes(rng, leaves_count);
        const auto rows = reference_rows(leaves);
        auto geometry = dmc::BaseTreeGeometry::for_leaves(leaves_count);
        REQUIRE(geometry.ok());
        REQUIRE(geometry->rows() == rows.size());
        // Full layout, the 2KiB and production level caches (rows 2 and 3), root only.
        std::vector<unsigned> first_rows;
        for (unsigned row : {0u, 2u, 3u, geometry->height}) {
            if (row <= geometry->height && std::find(first_rows.begin(), first_rows.end(), row) == first_rows.end())
                first_rows.push_back(row);
        }
        for (unsigned first_row : first_rows) {
            for (unsigned threads : {1u, 3u}) {
                INFO(leaves_count << " leaves, first row " << first_row << ", " << threads << " threads");
                std::vector<uint8_t> out(32 * geometry->stored_nodes(first_row), 0xee);
                dmc::TreeBuildOptions options;
                options.threads = threads;
                uint64_t last_done = 0, last_total = 0, calls = 0;
                options.progress = [&](uint64_t done, uint64_t total) {
                    CHECK(done >= last_done);
                    last_done = done;
                    last_total = total;
                    ++calls;
                };
                auto root = dmc::build_base_tree(leaves.data(), leaves_count, out.data(), first_row, options);
                REQUIRE(root.ok());
                CHECK(*root == rows.back()[0]);
                CHECK(out == stored_layout(rows, first_row));
                CHECK(calls > 0);
                CHECK(last_done == (leaves_count - 1) / 7);
                CHECK(last_total == (leaves_count - 1) / 7);
            }
        }
        // In place (row 0 already in the output) and root only.
        std::vector<uint8_t> in_place(32 * geometry->total_nodes());
        std::copy(leaves.begin(), leaves.end(), in_place.begin());
        auto root = dmc::build_base_tree(in_place.data(), leaves_count, in_place.data(), 0);
        REQUIRE(root.ok());
        CHECK(in_place == stored_layout(rows, 0));
        auto root_only = dmc::build_base_tree(leaves.data(), leaves_count, nullptr, 0);
        REQUIRE(root_only.ok());
        CHECK(*root_only == rows.back()[0]);
    }
}

TEST_CASE("build_base_tree rejects bad input and honours cancellation", "[field][tree]")
{
    std::mt19937_64 rng(0x5eed0202);
    auto leaves = dmc::test::random_nodes(rng, 4096);
    std::vector<uint8_t> out(32 * 4681);
    CHECK_FALSE(dmc::build_base_tree(leaves.data(), 4000, out.data(), 0).ok());         // not a power of 8
    CHECK_FALSE(dmc::build_base_tree(leaves.data(), 4096, out.data(), 5).ok());         // above the root
    CHECK_FALSE(dmc::build_base_tree(leaves.data(), 4096, leaves.data(), 1).ok());      // in place needs row 0
    CHECK_FALSE(dmc::build_base_tree(leaves.data(), 4096, leaves.data() + 32, 0).ok()); // overlap

    auto corrupt = leaves;
    const auto r = dmc::fr_modulus_bytes();
    std::copy(r.begin(), r.end(), corrupt.begin() + 32 * 1234);
    auto bad = dmc::build_base_tree(corrupt.data(), 4096, out.data(), 0);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("leaf 1234") != std::string::npos);

    std::atomic<bool> cancel{true};
    dmc::TreeBuildOptions options;
    options.cancel = &cancel;
    options.threads = 2;
    auto cancelled = dmc::build_base_tree(leaves.data(), 4096, out.data(), 0, options);
    REQUIRE_FALSE(cancelled.ok());
    CHECK(cancelled.error().code == dmc::Errc::cancelled);

    // Cancelling from the progress callback stops a multi-chunk build.
    std::vector<uint8_t> big_leaves = dmc::test::random_nodes(rng, 32768);
    std::vector<uint8_t> big_out(32 * 37449);
    std::atomic<bool> stop{false};
    options.cancel = &stop;
    options.threads = 1;
    options.progress = [&](uint64_t done, uint64_t) {
        if (done > 0) stop = true;
    };
    auto stopped = dmc::build_base_tree(big_leaves.data(), 32768, big_out.data(), 0, options);
    REQUIRE_FALSE(stopped.ok());
    CHECK(stopped.error().code == dmc::Errc::cancelled);
}

TEST_CASE("hash_columns matches per-node Poseidon over the layers", "[field][tree]")
{
    std::mt19937_64 rng(0x5eed0203);
    for (unsigned layers_count : {2u, 11u}) {
        const uint64_t nodes = 5000; // not a multiple of the work unit
        std::vector<std::vector<uint8_t>> layers;
        std::vector<const uint8_t *> pointers;
        for (unsigned l = 0; l < layers_count; ++l) layers.push_back(dmc::test::random_nodes(rng, nodes));
        for (const auto &layer : layers) pointers.push_back(layer.data());
        std::vector<uint8_t> out(32 * nodes);
        dmc::TreeBuildOptions options;
        options.threads = 2;
        REQUIRE(dmc::hash_columns(pointers, nodes, out.data(), options).ok());
        for (uint64_t v : std::vector<uint64_t>{0, 1, 4095, 4096, nodes - 1}) {
            std::vector<Fr> column;
            for (const auto &layer : layers) column.push_back(*Fr::from_bytes(std::span(layer).subspan(32 * v, 32)));
            CHECK(*Fr::from_bytes(std::span(out).subspan(32 * v, 32)) == plain_hash(column));
        }
        layers[layers_count - 1][32 * 4097 + 31] = 0xff;
        auto bad = dmc::hash_columns(pointers, nodes, out.data(), options);
        REQUIRE_FALSE(bad.ok());
        CHECK(bad.error().message.find("layer " + std::to_string(layers_count)) != std::string::npos);
    }
}

TEST_CASE("tree geometry, rows_to_discard and file names", "[field][tree]")
{
    CHECK_FALSE(dmc::BaseTreeGeometry::for_leaves(0).ok());
    CHECK_FALSE(dmc::BaseTreeGeometry::for_leaves(16).ok());
    CHECK_FALSE(dmc::BaseTreeGeometry::for_leaves(1ull << 28).ok());
    auto g = dmc::BaseTreeGeometry::for_leaves(1ull << 27);
    REQUIRE(g.ok());
    CHECK(g->height == 9);
    CHECK(g->total_nodes() == 153391689);
    CHECK(g->row_offset(3, 3) == 0);
    CHECK(g->row_offset(4, 3) == (1ull << 27) / 512);
    CHECK(dmc::level_cache_nodes(*g, 2) == 299593);
    CHECK(dmc::default_rows_to_discard(1) == 0);
    CHECK(dmc::default_rows_to_discard(8) == 0);
    CHECK(dmc::default_rows_to_discard(64) == 1);
    CHECK(dmc::default_rows_to_discard(512) == 2);
    CHECK(dmc::default_rows_to_discard(512, 5) == 2); // at most rows - 2
    CHECK(dmc::default_rows_to_discard(1ull << 27, 5) == 5);
    CHECK(dmc::tree_c_file_names(1) == std::vector<std::string>{"sc-02-data-tree-c.dat"});
    CHECK(dmc::tree_r_last_file_names(2) ==
          std::vector<std::string>{"sc-02-data-tree-r-last-0.dat", "sc-02-data-tree-r-last-1.dat"});
    CHECK(dmc::tree_d_file_name() == "sc-02-data-tree-d.dat");
    CHECK_FALSE(dmc::sector_tree_layout(4096).ok());
    CHECK_FALSE(dmc::sector_tree_layout(2048, 2).ok()); // a 3-row tree cannot discard 2 rows
    auto custom = dmc::sector_tree_layout(8ull << 20, 3);
    REQUIRE(custom.ok());
    CHECK(custom->tree_r_last_file_nodes == 64 + 8 + 1);
}
