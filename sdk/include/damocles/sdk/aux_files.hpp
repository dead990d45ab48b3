// SPDX-License-Identifier: Apache-2.0
//
// The p_aux and t_aux files of a sector cache directory
// (docs/file-formats.md §3, §3.2), byte-compatible with rust-fil-proofs:
//  * p_aux = comm_c || comm_r_last, 64 bytes (bincode of PersistentAux);
//  * t_aux = bincode 1.x of TemporaryAux: u64 count + label StoreConfigs,
//    then tree_d, tree_r_last, tree_c StoreConfigs.
// rust-fil-proofs replaces the stored paths with the directory it is given
// when it reads t_aux; readers here must likewise honour rows_to_discard from
// the file but not trust the path.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "damocles/sdk/fr.hpp"
#include "damocles/sdk/proof.hpp"
#include "damocles/sdk/result.hpp"

namespace dmc {

struct PAux {
    Fr comm_c = Fr::zero();
    Fr comm_r_last = Fr::zero();
};

std::vector<uint8_t> serialize_p_aux(const PAux &p_aux);
// Exactly 64 bytes, both halves canonical field elements.
Result<PAux> parse_p_aux(std::span<const uint8_t> bytes);

// merkletree StoreConfig (serde field order: path, id, size, rows_to_discard).
struct StoreConfig {
    std::string path;
    std::string id;
    std::optional<uint64_t> size; // nodes
    uint64_t rows_to_discard = 0;

    friend bool operator==(const StoreConfig &, const StoreConfig &) = default;
};

struct TAux {
    std::vector<StoreConfig> labels; // "layer-1" .. "layer-L"
    StoreConfig tree_d;
    StoreConfig tree_r_last;
    StoreConfig tree_c;

    friend bool operator==(const TAux &, const TAux &) = default;
};

std::vector<uint8_t> serialize_t_aux(const TAux &t_aux);
// Strict bincode reading: truncation, trailing bytes, an Option tag other than
// 0/1, a length beyond the input or non-UTF-8 text are Errc::corrupt.
Result<TAux> parse_t_aux(std::span<const uint8_t> bytes);

// The TemporaryAux PC2 writes (§3.2): labels of N nodes, tree_d of 2N-1,
// tree_r_last and tree_c of one base tree's node count, rows_to_discard on
// tree_r_last only. `nodes` is the sector's node count.
Result<TAux> make_t_aux(const std::string &cache_dir, uint32_t layers, uint64_t nodes, const TreeShape &shape,
                        uint64_t rows_to_discard);

// Read/write <cache_dir>/p_aux and <cache_dir>/t_aux (atomic replace).
Status write_p_aux(const std::string &cache_dir, const PAux &p_aux);
Result<PAux> read_p_aux(const std::string &cache_dir);
Status write_t_aux(const std::string &cache_dir, const TAux &t_aux);
Result<TAux> read_t_aux(const std::string &cache_dir);

} // namespace dmc
