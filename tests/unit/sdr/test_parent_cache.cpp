// SPDX-License-Identifier: Apache-2.0
//
// Parent cache integrity: corrupt or truncated caches are rebuilt with a
// warning (never used), graphs outside the manifest get a digest sidecar,
// verification happens once per process per unchanged file, and the default
// directory honours FIL_PROOFS_PARENT_CACHE.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include "damocles/sdk/parent_cache.hpp"
#include "damocles/sdk/proof.hpp"
#include "sdr_test_support.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

const SealProof &proof_named(const char *name)
{
    auto p = find_seal_proof(name);
    REQUIRE(p.ok());
    return **p;
}

struct Warnings {
    std::vector<std::string> list;
    ParentCacheOptions options(const std::string &dir)
    {
        ParentCacheOptions o;
        o.dir = dir;
        o.threads = 2;
        o.warn = [this](const std::string &w) { list.push_back(w); };
        return o;
    }
};

// Overwrites one byte in place, keeping the file's size; the mtime is kept or
// moved one second later.
void flip_byte(const std::string &path, off_t offset, bool keep_mtime)
{
    struct stat st;
    REQUIRE(::stat(path.c_str(), &st) == 0);
    const int fd = ::open(path.c_str(), O_RDWR);
    REQUIRE(fd >= 0);
    uint8_t b = 0;
    REQUIRE(::pread(fd, &b, 1, offset) == 1);
    b ^= 0x5a;
    REQUIRE(::pwrite(fd, &b, 1, offset) == 1);
    // File timestamps are coarse (a jiffy): set the new mtime explicitly so a
    // modified file is always recognisable as such.
    struct timespec times[2] = {st.st_atim, st.st_mtim};
    if (!keep_mtime) times[1].tv_sec += 1;
    REQUIRE(::futimens(fd, times) == 0);
    ::close(fd);
}

// Every entry of the cache equals the graph's parents (independent of digests).
void check_content(const std::string &path, const SdrGraph &graph)
{
    auto cache = ParentCache::open(path, graph.nodes());
    REQUIRE(cache.ok());
    for (uint64_t v = 0; v < graph.nodes(); ++v) {
        uint32_t parents[kParentCount];
        graph.parents(v, parents);
        REQUIRE(std::equal(parents, parents + kParentCount, cache->parents(v)));
    }
}

} // namespace

TEST_CASE("a corrupted manifest cache is rebuilt with a warning, never used", "[sdr][parent-cache]")
{
    TempDir dir("sdr-pc-corrupt");
    const SealProof &proof = proof_named("StackedDrg2KiBV1_1");
    Warnings w;
    auto path = ensure_parent_cache(proof, w.options(dir.path()));
    REQUIRE(path.ok());
    CHECK(w.list.empty());
    const std::string good = sha256_file_hex(*path);

    flip_byte(*path, 1000, false);
    REQUIRE(sha256_file_hex(*path) != good);
    auto again = ensure_parent_cache(proof, w.options(dir.path()));
    REQUIRE(again.ok());
    REQUIRE(w.list.size() == 1);
    CHECK_THAT(w.list[0], Catch::Contains("corrupt") && Catch::Contains("regenerating"));
    CHECK(sha256_file_hex(*again) == good);

    // Truncated: refused by size before hashing.
    REQUIRE(::truncate(again->c_str(), 100) == 0);
    auto third = ensure_parent_cache(proof, w.options(dir.path()));
    REQUIRE(third.ok());
    REQUIRE(w.list.size() == 2);
    CHECK_THAT(w.list[1], Catch::Contains("100 bytes instead of 3584"));
    CHECK(sha256_file_hex(*third) == good);
}

TEST_CASE("a verified cache is not re-hashed while unchanged, and is again once modified", "[sdr][parent-cache]")
{
    TempDir dir("sdr-pc-once");
    const SealProof &proof = proof_named("StackedDrg2KiBV1");
    Warnings w;
    auto path = ensure_parent_cache(proof, w.options(dir.path()));
    REQUIRE(path.ok());
    const std::string good = sha256_file_hex(*path);

    // Same size, same mtime, same inode: the per-process verdict stands (the
    // damage is invisible to it, which proves the file was not hashed again).
    flip_byte(*path, 10, true);
    REQUIRE(ensure_parent_cache(proof, w.options(dir.path())).ok());
    CHECK(w.list.empty());
    CHECK(sha256_file_hex(*path) != good);

    // A new mtime makes it a different file: verified, found corrupt, rebuilt.
    flip_byte(*path, 11, false);
    REQUIRE(ensure_parent_cache(proof, w.options(dir.path())).ok());
    CHECK(w.list.size() == 1);
    CHECK(sha256_file_hex(*path) == good);
}

TEST_CASE("graphs outside the manifest (SyntheticPoRep, NI-PoRep) get and use a digest sidecar", "[sdr][parent-cache]")
{
    TempDir dir("sdr-pc-sidecar");
    for (const char *name : {"StackedDrg2KiBV1_1_Feat_SyntheticPoRep", "StackedDrg2KiBV1_2_Feat_NonInteractivePoRep"}) {
        INFO(name);
        const SealProof &proof = proof_named(name);
        const SdrGraph graph = SdrGraph::for_proof(proof);
        CHECK_FALSE(manifest_parent_cache_digest(parent_cache_file_name(graph)).has_value());
        // A different porep id gives a different graph than V1_1 (docs/algorithms.md §1.1).
        CHECK(parent_cache_file_name(graph) !=
              parent_cache_file_name(SdrGraph::for_proof(proof_named("StackedDrg2KiBV1_1"))));
        Warnings w;
        auto path = ensure_parent_cache(graph, w.options(dir.path()));
        REQUIRE(path.ok());
        CHECK(w.list.empty());
        check_content(*path, graph);
        const std::string digest = sha256_file_hex(*path);
        CHECK(slurp(*path + ".sha256") == digest + "\n");

        flip_byte(*path, 56 * 7, false);
        REQUIRE(ensure_parent_cache(graph, w.options(dir.path())).ok());
        REQUIRE(w.list.size() == 1);
        CHECK_THAT(w.list[0], Catch::Contains("corrupt"));
        CHECK(sha256_file_hex(*path) == digest);

        std::filesystem::remove(*path + ".sha256");
        flip_byte(*path, 3, false); // new identity, so it is looked at again
        REQUIRE(ensure_parent_cache(graph, w.options(dir.path())).ok());
        REQUIRE(w.list.size() == 2);
        CHECK_THAT(w.list[1], Catch::Contains("no digest sidecar"));
        CHECK(sha256_file_hex(*path) == digest);
        CHECK(slurp(*path + ".sha256") == digest + "\n");
    }
}

TEST_CASE("the default cache directory is FIL_PROOFS_PARENT_CACHE", "[sdr][parent-cache]")
{
    TempDir dir("sdr-pc-env");
    const char *old = std::getenv("FIL_PROOFS_PARENT_CACHE");
    const std::string saved = old ? old : "";
    ::setenv("FIL_PROOFS_PARENT_CACHE", dir.path().c_str(), 1);
    CHECK(default_parent_cache_dir() == dir.path());
    auto path = ensure_parent_cache(proof_named("StackedDrg2KiBV1_1"));
    REQUIRE(path.ok());
    CHECK(*path == dir / "v28-sdr-parent-494d91dc80f2df5272c4b9e129bc7ade9405225993af9fe34e6542a39a47554b.cache");
    ::unsetenv("FIL_PROOFS_PARENT_CACHE");
    CHECK(default_parent_cache_dir() == "/var/tmp/filecoin-parents");
    if (old) ::setenv("FIL_PROOFS_PARENT_CACHE", saved.c_str(), 1);
}

TEST_CASE("ParentCache::open refuses a file of the wrong size", "[sdr][parent-cache]")
{
    TempDir dir("sdr-pc-open");
    auto path = ensure_parent_cache(proof_named("StackedDrg2KiBV1_1"), ParentCacheOptions{dir.path(), 1, {}});
    REQUIRE(path.ok());
    auto wrong = ParentCache::open(*path, 128);
    REQUIRE_FALSE(wrong.ok());
    CHECK_THAT(wrong.error().message, Catch::Contains("expected 7168"));
    CHECK_FALSE(ParentCache::open(dir / "missing.cache", 64).ok());
}
