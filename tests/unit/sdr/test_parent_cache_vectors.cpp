// SPDX-License-Identifier: Apache-2.0
//
// Parent cache files against the upstream manifest (docs/algorithms.md §6.5). 2KiB and
// 8MiB caches are generated and their SHA-256 compared in the default run;
// 512MiB (2^24 nodes, 896 MiB files) is behind the hidden tag [.slow512];
// 32GiB/64GiB files (56/112 GiB) are benchmark-tier: here only their names,
// sizes and the cache entries of sampled nodes are checked.
#include <catch2/catch.hpp>

#include <chrono>

#include "damocles/sdk/parent_cache.hpp"
#include "damocles/sdk/proof.hpp"
#include "sdr_test_support.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

const SealProof &proof_named(const std::string &name)
{
    auto proof = find_seal_proof(name);
    REQUIRE(proof.ok());
    return **proof;
}

// Name, size and manifest entry of a parent_cache_* vector; returns the graph.
SdrGraph check_name_and_manifest(const json &v)
{
    const auto &in = v.at("inputs");
    const auto &e = v.at("expected");
    const SealProof &proof = proof_named(in.at("registered_seal_proof").get<std::string>());
    CHECK(to_hex(proof.porep_id()) == in.at("porep_id_hex").get<std::string>());
    CHECK(proof.nodes() == as_u64(in.at("nodes")));
    CHECK(proof.api_version_string() == in.at("api_version").get<std::string>());
    const SdrGraph graph = SdrGraph::for_proof(proof);
    const std::string name = parent_cache_file_name(graph);
    CHECK(name == e.at("cache_file_name").get<std::string>());
    CHECK(graph.nodes() * kParentCacheEntryBytes == as_u64(e.at("file_size_bytes")));
    const auto manifest = manifest_parent_cache_digest(name);
    REQUIRE(manifest.has_value());
    CHECK(to_hex(*manifest) == e.at("sha256_of_cache_file").get<std::string>());
    return graph;
}

// Generates the cache in a fresh directory and compares the whole file's
// SHA-256 (OpenSSL one-shot, not the sdk helper) with the manifest value.
void generate_and_check(const json &v)
{
    const SdrGraph graph = check_name_and_manifest(v);
    TempDir dir("sdr-parent-cache");
    std::vector<std::string> warnings;
    ParentCacheOptions options;
    options.dir = dir.path();
    options.threads = 2;
    options.warn = [&](const std::string &w) { warnings.push_back(w); };
    const auto start = std::chrono::steady_clock::now();
    auto path = ensure_parent_cache(graph, options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    REQUIRE(path.ok());
    WARN(v.at("name").get<std::string>() << ": generated and verified in " << seconds << " s (2 threads)");
    CHECK(*path == dir / v.at("expected").at("cache_file_name").get<std::string>());
    CHECK(warnings.empty());
    CHECK(sha256_file_hex(*path) == v.at("expected").at("sha256_of_cache_file").get<std::string>());
    // The cache holds the graph's parents in place.
    auto cache = ParentCache::open(*path, graph.nodes());
    REQUIRE(cache.ok());
    for (uint64_t node : {uint64_t(0), uint64_t(1), uint64_t(2), graph.nodes() / 2, graph.nodes() - 1}) {
        uint32_t parents[kParentCount];
        graph.parents(node, parents);
        CHECK(std::equal(parents, parents + kParentCount, cache->parents(node)));
    }
}

} // namespace

TEST_CASE("parent caches 2KiB and 8MiB (V1, V1_1): generated file matches the manifest digest", "[sdr][parent-cache]")
{
    for (const char *name : {"parent_cache_StackedDrg2KiBV1", "parent_cache_StackedDrg2KiBV1_1",
                             "parent_cache_StackedDrg8MiBV1", "parent_cache_StackedDrg8MiBV1_1"}) {
        INFO(name);
        generate_and_check(use_vector("sdr", name));
    }
}

TEST_CASE("parent caches 512MiB: file name, size and manifest entry (full digest under [.slow512])",
          "[sdr][parent-cache]")
{
    for (const char *name : {"parent_cache_StackedDrg512MiBV1", "parent_cache_StackedDrg512MiBV1_1"}) {
        INFO(name);
        check_name_and_manifest(use_vector("sdr", name));
    }
}

TEST_CASE("parent caches 512MiB (V1, V1_1): generated file matches the manifest digest", "[.slow512]")
{
    for (const char *name : {"parent_cache_StackedDrg512MiBV1", "parent_cache_StackedDrg512MiBV1_1"}) {
        INFO(name);
        generate_and_check(use_vector("sdr", name));
    }
}

TEST_CASE("parent cache 32GiB/64GiB: file name and sampled parents (full digest is benchmark-tier)",
          "[sdr][parent-cache]")
{
    const std::pair<const char *, const char *> cases[] = {
        {"parent_cache_StackedDrg32GiBV1", "parents_selected_StackedDrg32GiBV1"},
        {"parent_cache_StackedDrg32GiBV1_1", "parents_selected_StackedDrg32GiBV1_1"},
        {"parent_cache_StackedDrg64GiBV1", "parents_selected_StackedDrg64GiBV1"},
        {"parent_cache_StackedDrg64GiBV1_1", "parents_selected_StackedDrg64GiBV1_1"},
    };
    for (const auto &[cache_name, parents_name] : cases) {
        INFO(cache_name);
        const SdrGraph graph = check_name_and_manifest(use_vector("sdr", cache_name));
        // The 56-byte cache entries (u32 LE) of the sampled nodes.
        const auto &sel = use_vector("sdr", parents_name);
        CHECK(to_hex(graph.porep_id()) == sel.at("inputs").at("porep_id_hex").get<std::string>());
        const auto &indices = sel.at("inputs").at("node_indices");
        for (size_t i = 0; i < indices.size(); ++i) {
            uint32_t parents[kParentCount];
            graph.parents(as_u64(indices[i]), parents);
            std::vector<uint8_t> entry(kParentCacheEntryBytes), expected_entry;
            std::memcpy(entry.data(), parents, entry.size());
            for (const auto &p : sel.at("expected").at("parents")[i]) {
                const uint64_t value = as_u64(p);
                for (int b = 0; b < 4; ++b) expected_entry.push_back(static_cast<uint8_t>(value >> (8 * b)));
            }
            CHECK(to_hex(entry) == to_hex(expected_entry));
        }
    }
}
