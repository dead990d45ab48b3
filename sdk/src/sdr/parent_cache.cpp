// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/parent_cache.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <sys/stat.h>
#include <system_error>
#include <thread>
#include <tuple>
#include <vector>

#include <openssl/sha.h>

#include "damocles/sdk/sha254.hpp"

namespace dmc {

static_assert(std::endian::native == std::endian::little, "parent cache entries are read in place as u32 LE");

namespace {

// storage-proofs-core parameter_cache.rs VERSION.
constexpr int kCacheVersion = 28;

// storage-proofs-porep/parent_cache.json: SHA-256 of each published cache
// (sector sizes 2KiB..64GiB, porep ids of V1 and V1_1), keyed by file stem.
struct ManifestEntry {
    const char *stem;
    const char *digest;
};
constexpr ManifestEntry kManifest[] = {
    // V1 (API 1.0.0)
    {"v28-sdr-parent-3f0eef38bb48af1f48ad65e14eb85b4ebfc167cec18cd81764f6d998836c9899",
     "3da49221e2ed55371b86d0bf3d6526fcf128af61bed904f966428db1b531750d"},
    {"v28-sdr-parent-dcdabb0fbe4364bf0ac28b6a18c66de246409fa1a9020a00f33fb3e3053da6dc",
     "a76604f2f59f2744c7151653bbb1d8596b6b57d295e6fa6c1f0c41d725b502ce"},
    {"v28-sdr-parent-2aa9c77c3e58259481351cc4be2079cc71e1c9af39700866545c043bfa30fb42",
     "3adcc092423aa76d6a7184016893406da44dd974b219a89cd3ece25e4e3018f5"},
    {"v28-sdr-parent-e1fa5d5b811ddbd118be3412c4a8c329156b8b8acc72632bca459455b5a05a13",
     "3c4f9841fcc75aed8c695800e58d08480629f25af3a2aefd81904181d75cc0b6"},
    {"v28-sdr-parent-8a99e8d6b6be7ab87a56b632e6739ff201c23ea14e99737c74690f0e265574d6",
     "2778a732ad46a7dc18e0564dfdf59fd321dcde74ab476fd6d3c4e6735d7cd89c"},
    // V1_1 (API >= 1.1.0)
    {"v28-sdr-parent-494d91dc80f2df5272c4b9e129bc7ade9405225993af9fe34e6542a39a47554b",
     "840057702eea7652cf97e04306c30fe57174714d90de156a25eddd6075c25b97"},
    {"v28-sdr-parent-5eed212119fd91aa6220a27f31a8966444a9381842bceb3a1ea61525bd47a5b5",
     "03cd13565ded97c240a5f52e54295ad127bd0461b57904cb3a4d79b097bbecab"},
    {"v28-sdr-parent-7ba215a1d2345774ab90b8cb1158d296e409d6068819d7b8c7baf0b25d63dc34",
     "b5877d1963793efebc261fd8fde4dd6bc59e6b5c7abf52617a4ee023b8dc173a"},
    {"v28-sdr-parent-21981246c370f9d76c7a77ab273d94bde0ceb4e938292334960bce05585dc117",
     "93deeac5e3052b6927467d4b2641bb782f05491de18d510147c93eeedd8672da"},
    {"v28-sdr-parent-4905486b7af19558ac3649bc6261411858b6add534438878c4ee3b29d8b9de0b",
     "2698b74eb2606b55b98d8b095e18b6320b47f46e00075956d48640ccd1641b03"},
};

// What we know about a file that verified, to recognise it unchanged.
struct FileIdentity {
    uint64_t dev = 0, ino = 0, size = 0;
    int64_t mtime_sec = 0, mtime_nsec = 0;
    bool operator==(const FileIdentity &) const = default;
};

std::optional<FileIdentity> identity_of(const std::string &path)
{
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return FileIdentity{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                        static_cast<uint64_t>(st.st_size), static_cast<int64_t>(st.st_mtim.tv_sec),
                        static_cast<int64_t>(st.st_mtim.tv_nsec)};
}

std::mutex g_mutex; // serialises verification and generation in the process
std::map<std::string, FileIdentity> g_verified;

std::string sidecar_path(const std::string &cache_path) { return cache_path + ".sha256"; }

// The digest a cache must have: the manifest's, else the sidecar's. nullopt
// when neither exists (the cache cannot be trusted).
std::optional<Bytes32> expected_digest(const std::string &name, const std::string &path)
{
    if (auto d = manifest_parent_cache_digest(name)) return d;
    auto text = read_text_file(sidecar_path(path));
    if (!text) return std::nullopt;
    std::string hex = *text;
    while (!hex.empty() && (hex.back() == '\n' || hex.back() == ' ')) hex.pop_back();
    auto d = bytes32_from_hex(hex);
    if (!d) return std::nullopt;
    return *d;
}

} // namespace

std::string parent_cache_file_name(const SdrGraph &graph)
{
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    static const char kHasherName[] = "poseidon_hasher";
    SHA256_Update(&ctx, kHasherName, sizeof kHasherName - 1);
    const std::string id = graph_identifier(graph.nodes());
    SHA256_Update(&ctx, id.data(), id.size());
    for (uint64_t key : graph.seeds().feistel_keys) {
        uint8_t le[8];
        for (int i = 0; i < 8; ++i) le[i] = static_cast<uint8_t>(key >> (8 * i));
        SHA256_Update(&ctx, le, 8);
    }
    const uint32_t entries = static_cast<uint32_t>(graph.nodes());
    uint8_t le[4];
    for (int i = 0; i < 4; ++i) le[i] = static_cast<uint8_t>(entries >> (8 * i));
    SHA256_Update(&ctx, le, 4);
    uint8_t digest[32];
    SHA256_Final(digest, &ctx);
    std::string name = "v";
    name += std::to_string(kCacheVersion);
    name += "-sdr-parent-";
    name += to_hex(digest);
    name += ".cache";
    return name;
}

std::string default_parent_cache_dir()
{
    if (const char *dir = std::getenv("FIL_PROOFS_PARENT_CACHE"); dir && *dir) return dir;
    return "/var/tmp/filecoin-parents";
}

std::optional<Bytes32> manifest_parent_cache_digest(std::string_view file_name)
{
    std::string_view stem = file_name;
    if (stem.size() > 6 && stem.substr(stem.size() - 6) == ".cache") stem.remove_suffix(6);
    for (const auto &e : kManifest) {
        if (stem == e.stem) {
            auto d = bytes32_from_hex(e.digest);
            if (d) return *d;
        }
    }
    return std::nullopt;
}

Result<Bytes32> sha256_of_file(const std::string &path)
{
    MappedFile file;
    DMC_TRY_ASSIGN(file, MappedFile::open_read(path));
    file.advise_sequential();
    SHA256_CTX ctx;
    SHA256_Init(&ctx);
    constexpr uint64_t kChunk = 64u << 20;
    for (uint64_t off = 0; off < file.size(); off += kChunk)
        SHA256_Update(&ctx, file.data() + off, static_cast<size_t>(std::min(kChunk, file.size() - off)));
    Bytes32 out;
    SHA256_Final(out.data(), &ctx);
    return out;
}

namespace {

// A freshly generated cache, still in its temporary file, with its digest.
struct GeneratedCache {
    AtomicFileWriter file;
    Bytes32 digest;
};

Result<GeneratedCache> generate_uncommitted(const SdrGraph &graph, const std::string &path, unsigned threads)
{
    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    AtomicFileWriter writer;
    DMC_TRY_ASSIGN(writer, AtomicFileWriter::create(path));
    const uint64_t nodes = graph.nodes();
    DMC_TRY_VOID(writer.resize(nodes * kParentCacheEntryBytes));

    // Workers take chunks of nodes in increasing order and pwrite them at
    // their offset; order of completion does not matter.
    constexpr uint64_t kChunkNodes = 1u << 14;
    const uint64_t chunks = (nodes + kChunkNodes - 1) / kChunkNodes;
    std::atomic<uint64_t> next_chunk{0};
    std::mutex error_mutex;
    std::optional<Error> first_error;
    auto fail = [&](Error error) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = std::move(error);
        next_chunk = chunks; // stop the others early
    };
    auto work = [&]() noexcept {
        try {
            std::vector<uint32_t> buf(kChunkNodes * kParentCount);
            for (;;) {
                const uint64_t c = next_chunk.fetch_add(1);
                if (c >= chunks) return;
                const uint64_t begin = c * kChunkNodes, end = std::min(nodes, begin + kChunkNodes);
                for (uint64_t v = begin; v < end; ++v) graph.parents(v, buf.data() + (v - begin) * kParentCount);
                const auto bytes = std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(buf.data()),
                                                            (end - begin) * kParentCacheEntryBytes);
                Status st = writer.write_at(begin * kParentCacheEntryBytes, bytes);
                if (!st) return fail(st.error());
            }
        } catch (const std::bad_alloc &) {
            fail(make_error(Errc::no_memory, "out of memory"));
        }
    };
    const unsigned workers = static_cast<unsigned>(std::min<uint64_t>(threads, chunks));
    std::vector<std::thread> pool;
    try {
        for (unsigned t = 1; t < workers; ++t) pool.emplace_back(work);
    } catch (const std::system_error &) {
        // Fewer threads than asked: the ones running share all chunks.
    }
    work();
    for (auto &t : pool) t.join();
    if (first_error) return first_error->context("generating parent cache " + path);

    GeneratedCache out;
    DMC_TRY_ASSIGN(out.digest, sha256_of_file(writer.temp_path()));
    out.file = std::move(writer);
    return out;
}

} // namespace

Result<Bytes32> generate_parent_cache(const SdrGraph &graph, const std::string &path, unsigned threads)
{
    GeneratedCache generated;
    DMC_TRY_ASSIGN(generated, generate_uncommitted(graph, path, threads));
    DMC_TRY_VOID(generated.file.commit());
    return generated.digest;
}

Result<std::string> ensure_parent_cache(const SdrGraph &graph, const ParentCacheOptions &options)
{
    const std::string dir = options.dir.empty() ? default_parent_cache_dir() : options.dir;
    const std::string name = parent_cache_file_name(graph);
    const std::string path = dir + "/" + name;
    const uint64_t size = graph.nodes() * kParentCacheEntryBytes;
    auto warn = [&](const std::string &msg) {
        if (options.warn) options.warn(msg);
    };

    std::lock_guard lock(g_mutex);
    const auto identity = identity_of(path);
    if (identity) {
        auto it = g_verified.find(path);
        if (it != g_verified.end() && it->second == *identity) return path;
        const auto expected = expected_digest(name, path);
        if (identity->size != size) {
            warn("parent cache " + path + " has " + std::to_string(identity->size) + " bytes instead of " +
                 std::to_string(size) + "; regenerating it");
        } else if (!expected) {
            warn("parent cache " + path + " has no manifest entry and no digest sidecar to verify it; regenerating it");
        } else {
            Bytes32 actual;
            DMC_TRY_ASSIGN(actual, sha256_of_file(path));
            if (actual == *expected) {
                g_verified[path] = *identity;
                return path;
            }
            warn("parent cache " + path + " is corrupt (SHA-256 " + to_hex(actual) + ", expected " + to_hex(*expected) +
                 "); regenerating it");
        }
    }

    DMC_TRY_VOID(make_dirs(dir));
    GeneratedCache generated;
    DMC_TRY_ASSIGN(generated, generate_uncommitted(graph, path, options.threads));
    const auto manifest = manifest_parent_cache_digest(name);
    // A mismatch is never renamed into place: the temporary is dropped.
    if (manifest && generated.digest != *manifest)
        return make_error(Errc::internal, "generated parent cache " + path +
                                              " does not match the upstream manifest (SHA-256 " +
                                              to_hex(generated.digest) + ", expected " + to_hex(*manifest) +
                                              "); this is a bug in the graph code");
    DMC_TRY_VOID(generated.file.commit());
    if (!manifest) DMC_TRY_VOID(write_file_atomic(sidecar_path(path), to_hex(generated.digest) + "\n"));
    const auto fresh = identity_of(path);
    if (!fresh) return make_error(Errc::io, "parent cache " + path + " vanished right after it was generated");
    g_verified[path] = *fresh;
    return path;
}

Result<std::string> ensure_parent_cache(const SealProof &proof, const ParentCacheOptions &options)
{
    return ensure_parent_cache(SdrGraph::for_proof(proof), options);
}

Result<ParentCache> ParentCache::open(const std::string &path, uint64_t nodes)
{
    ParentCache cache;
    DMC_TRY_ASSIGN(cache.file_, MappedFile::open_read(path));
    if (cache.file_.size() != nodes * kParentCacheEntryBytes)
        return make_error(Errc::invalid_argument, "parent cache " + path + " has " +
                                                      std::to_string(cache.file_.size()) + " bytes, expected " +
                                                      std::to_string(nodes * kParentCacheEntryBytes) + " for " +
                                                      std::to_string(nodes) + " nodes");
    cache.entries_ = reinterpret_cast<const uint32_t *>(cache.file_.data());
    cache.nodes_ = nodes;
    return cache;
}

} // namespace dmc
