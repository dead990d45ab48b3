// SPDX-License-Identifier: Apache-2.0
//
// The SDR parent cache (docs/algorithms.md §6.5), byte-compatible with rust-fil-proofs:
// for every node in order its 14 parents as u32 little-endian (56 bytes per
// node, no header), stored as
//   $FIL_PROOFS_PARENT_CACHE (default /var/tmp/filecoin-parents)
//       / v28-sdr-parent-<hex>.cache
// with hex = SHA256("poseidon_hasher" || graph identifier || feistel keys
// u64_le || u32_le(N)).
//
// Integrity: a cache is used only after its SHA-256 matched the upstream
// manifest digest (published sizes, V1 and V1_1) or, for graphs the manifest
// does not know (SyntheticPoRep, NI-PoRep porep ids), the digest recorded in
// a sidecar file "<cache>.sha256" written when we generated it. A cache that
// does not verify is rebuilt (with a warning through the caller's callback),
// never used. Each file is verified once per process; the verdict is keyed by
// the file's identity (device, inode, size, mtime) so a replaced or modified
// file is verified again. Files are generated with several threads into a
// temporary and renamed into place.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "damocles/sdk/file.hpp"
#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/result.hpp"
#include "damocles/sdk/sdr_graph.hpp"

namespace dmc {

inline constexpr uint64_t kParentCacheEntryBytes = kParentCount * 4;

// "v28-sdr-parent-<hex>.cache" for `graph`.
std::string parent_cache_file_name(const SdrGraph &graph);
// $FIL_PROOFS_PARENT_CACHE when set and non-empty, else /var/tmp/filecoin-parents.
std::string default_parent_cache_dir();
// SHA-256 of the whole file from the upstream manifest
// (storage-proofs-porep/parent_cache.json), by file name; nullopt if absent.
std::optional<Bytes32> manifest_parent_cache_digest(std::string_view file_name);

// SHA-256 of a whole file, streamed through a read-only map.
Result<Bytes32> sha256_of_file(const std::string &path);

// Computes the cache of `graph` with `threads` threads (0 = all cores) and
// writes it atomically at `path`. Returns the file's SHA-256. Does not
// consult the manifest; ensure_parent_cache() does.
Result<Bytes32> generate_parent_cache(const SdrGraph &graph, const std::string &path, unsigned threads);

struct ParentCacheOptions {
    std::string dir;      // empty: default_parent_cache_dir()
    unsigned threads = 0; // generation threads; 0 = all cores
    // Receives one-line warnings (a cache rebuilt because it did not verify).
    std::function<void(const std::string &)> warn;
};

// Returns the path of a verified cache for `graph`, generating or rebuilding
// it when missing or corrupt. Thread-safe; serialises generation per process.
Result<std::string> ensure_parent_cache(const SdrGraph &graph, const ParentCacheOptions &options = {});
Result<std::string> ensure_parent_cache(const SealProof &proof, const ParentCacheOptions &options = {});

// Read-only memory map of a cache file.
class ParentCache {
public:
    // Maps `path`, which must hold exactly nodes·56 bytes.
    static Result<ParentCache> open(const std::string &path, uint64_t nodes);

    uint64_t nodes() const { return nodes_; }
    // The 14 parents of `node` (6 base then 8 expander), in hashing order.
    const uint32_t *parents(uint64_t node) const { return entries_ + node * kParentCount; }
    const std::string &path() const { return file_.path(); }

private:
    MappedFile file_;
    const uint32_t *entries_ = nullptr;
    uint64_t nodes_ = 0;
};

} // namespace dmc
