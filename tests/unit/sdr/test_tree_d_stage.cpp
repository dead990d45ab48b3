// SPDX-License-Identifier: Apache-2.0
//
// The tree_d stage: the whole tree file against a naive level-by-level build
// with OpenSSL (single chunk, several chunks, threads), zero extension of
// short staged files, cancellation and argument errors.
#include <catch2/catch.hpp>

#include <filesystem>
#include <random>

#include "sdr_test_support.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

// Leaves first, then each level, root last.
std::vector<uint8_t> naive_tree(std::vector<uint8_t> leaves)
{
    std::vector<uint8_t> tree = leaves;
    while (leaves.size() > 32) {
        std::vector<uint8_t> next(leaves.size() / 2);
        for (size_t i = 0; i < next.size(); i += 32) {
            SHA256(leaves.data() + 2 * i, 64, next.data() + i);
            next[i + 31] &= 0x3f;
        }
        tree.insert(tree.end(), next.begin(), next.end());
        leaves.swap(next);
    }
    return tree;
}

std::vector<uint8_t> random_nodes(std::mt19937_64 &rng, size_t bytes)
{
    std::vector<uint8_t> v(bytes);
    for (auto &b : v) b = static_cast<uint8_t>(rng());
    for (size_t i = 31; i < bytes; i += 32) v[i] &= 0x3f;
    return v;
}

} // namespace

TEST_CASE("tree_d writes the whole tree, leaves first, root last (chunked and threaded)", "[sdr][tree_d]")
{
    std::mt19937_64 rng(13);
    TempDir dir("sdr-tree-d");
    // 2KiB: one chunk; 8MiB: 2 chunks single-threaded, one chunk with threads;
    // 64MiB: 2 chunks of 2^20 leaves with threads.
    const std::pair<uint64_t, uint32_t> cases[] = {{2048, 1}, {2048, 2}, {8u << 20, 1}, {8u << 20, 3}, {64u << 20, 2}};
    for (const auto &[sector, threads] : cases) {
        INFO(sector << " bytes, " << threads << " thread(s)");
        const auto data = random_nodes(rng, sector);
        const std::string staged = dir / "staged";
        REQUIRE(write_file_atomic(staged, data).ok());
        Bytes32 comm_d{};
        const auto r = run_tree_d_stage(sector, staged, dir / "tree-d", comm_d, threads);
        REQUIRE(r.status == DMC_OK);
        const auto expected = naive_tree(data);
        auto written = read_file(dir / "tree-d");
        REQUIRE(written.ok());
        REQUIRE(written->size() == (2 * sector / 32 - 1) * 32);
        CHECK(*written == expected);
        CHECK(hex_of(comm_d.data(), 32) == hex_of(expected.data() + expected.size() - 32, 32));
    }
}

TEST_CASE("tree_d zero-extends a short staged file", "[sdr][tree_d]")
{
    std::mt19937_64 rng(14);
    TempDir dir("sdr-tree-d-short");
    for (size_t have : {size_t(0), size_t(1), size_t(100), size_t(1000), size_t(2047)}) {
        INFO(have << " staged bytes");
        auto data = random_nodes(rng, 2048);
        std::fill(data.begin() + static_cast<ptrdiff_t>(have), data.end(), 0);
        REQUIRE(write_file_atomic(dir / "staged", std::span<const uint8_t>(data.data(), have)).ok());
        Bytes32 comm_d{};
        REQUIRE(run_tree_d_stage(2048, dir / "staged", dir / "tree-d", comm_d).status == DMC_OK);
        const auto expected = naive_tree(data);
        auto written = read_file(dir / "tree-d");
        REQUIRE(written.ok());
        CHECK(*written == expected);
    }
}

TEST_CASE("tree_d fills zero chunks without hashing and equals the naive tree", "[sdr][tree_d]")
{
    // 8MiB single-threaded = 2 chunks of 2^17 leaves. Chunk 0 zero and chunk 1
    // data; chunk 0 data and chunk 1 zero-extended; all zero (CC) written and
    // empty; one non-zero byte at the very end of a zero chunk.
    std::mt19937_64 rng(15);
    TempDir dir("sdr-tree-d-zero");
    const uint64_t sector = 8u << 20, half = sector / 2;
    struct Case {
        const char *name;
        std::vector<uint8_t> data;
        uint64_t staged_bytes;
    };
    std::vector<Case> cases;
    auto second = random_nodes(rng, sector);
    std::fill(second.begin(), second.begin() + half, 0);
    cases.push_back({"zero then data", second, sector});
    auto first = random_nodes(rng, sector);
    std::fill(first.begin() + half, first.end(), 0);
    cases.push_back({"data then zero-extended", first, half + 32});
    cases.push_back({"CC written", std::vector<uint8_t>(sector, 0), sector});
    cases.push_back({"CC empty file", std::vector<uint8_t>(sector, 0), 0});
    std::vector<uint8_t> last_byte(sector, 0);
    last_byte[half - 2] = 1;
    cases.push_back({"one byte at the end of chunk 0", last_byte, sector});
    for (const auto &c : cases) {
        INFO(c.name);
        REQUIRE(write_file_atomic(dir / "staged", std::span<const uint8_t>(c.data.data(), c.staged_bytes)).ok());
        Bytes32 comm_d{};
        REQUIRE(run_tree_d_stage(sector, dir / "staged", dir / "tree-d", comm_d, 1).status == DMC_OK);
        const auto expected = naive_tree(c.data);
        auto written = read_file(dir / "tree-d");
        REQUIRE(written.ok());
        CHECK(*written == expected);
        CHECK(hex_of(comm_d.data(), 32) == hex_of(expected.data() + expected.size() - 32, 32));
    }
}

TEST_CASE("tree_d refuses a staged file larger than the sector and bad sizes, and can be cancelled", "[sdr][tree_d]")
{
    TempDir dir("sdr-tree-d-errors");
    REQUIRE(write_file_atomic(dir / "big", std::vector<uint8_t>(4096, 0)).ok());
    Bytes32 comm_d{};
    auto r = run_tree_d_stage(2048, dir / "big", dir / "tree-d", comm_d);
    CHECK(r.status == DMC_ERR_INVALID_ARG);
    CHECK_THAT(r.error, Catch::Contains("more than the sector size"));
    r = run_tree_d_stage(3000, dir / "big", dir / "tree-d", comm_d);
    CHECK(r.status == DMC_ERR_INVALID_ARG);
    r = run_tree_d_stage(2048, dir / "missing", dir / "tree-d", comm_d);
    CHECK(r.status != DMC_OK);
    CHECK_THAT(r.error, Catch::Contains("missing"));
    CHECK_FALSE(std::filesystem::exists(dir / "tree-d"));

    // A raised cancel flag: DMC_ERR_CANCELLED and no tree file.
    volatile int32_t cancel = 1;
    char error[128] = {0};
    dmc_call call{};
    call.struct_size = sizeof call;
    call.cancel = &cancel;
    call.error = error;
    call.error_size = sizeof error;
    const std::string staged = dir / "staged";
    REQUIRE(write_file_atomic(staged, std::vector<uint8_t>(2048, 0)).ok());
    const std::string tree = dir / "tree-d";
    dmc_tree_d_args args{};
    args.struct_size = sizeof args;
    args.sector_size = 2048;
    args.staged_path = staged.c_str();
    args.tree_d_path = tree.c_str();
    CHECK(cpu::kCpuTreeDOps.run(&call, &args) == DMC_ERR_CANCELLED);
    CHECK_THAT(std::string(error), Catch::Contains("cancelled"));
    std::vector<std::string> left;
    for (const auto &e : std::filesystem::directory_iterator(dir.path())) left.push_back(e.path().filename().string());
    std::sort(left.begin(), left.end());
    CHECK(left == std::vector<std::string>{"big", "staged"});
}
