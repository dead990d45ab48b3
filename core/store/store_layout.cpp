// SPDX-License-Identifier: Apache-2.0
#include "damocles/core/internal/store_layout.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "damocles/sdk/synthetic_proofs.hpp"
#include "damocles/sdk/unsealed_file.hpp"

namespace dmc::core {

namespace {

// Levels of one base tree: n = 8^k leaves.
uint32_t base_tree_levels(const SealProof &proof)
{
    uint64_t n = proof.nodes() / proof.shape.base_tree_count();
    uint32_t k = 0;
    while (n > 1) {
        n /= 8;
        ++k;
    }
    return k;
}

} // namespace

uint32_t default_rows_to_discard(const SealProof &proof)
{
    uint32_t rows = base_tree_levels(proof) + 1;
    if (rows <= 2) return 0;
    if (rows == 3) return 1;
    return std::min<uint32_t>(rows - 2, 2);
}

uint64_t tree_r_last_file_nodes(const SealProof &proof, uint32_t rows_to_discard)
{
    uint64_t n = proof.nodes() / proof.shape.base_tree_count();
    uint32_t k = base_tree_levels(proof);
    uint64_t total = 0;
    uint64_t row = n;
    for (uint32_t j = 1; j <= k; ++j) {
        row /= 8;
        if (j >= rows_to_discard + 1) total += row;
    }
    return total;
}

std::vector<std::string> tree_r_last_file_names(const SealProof &proof)
{
    uint32_t count = proof.shape.base_tree_count();
    if (count == 1) return {"sc-02-data-tree-r-last.dat"};
    std::vector<std::string> out;
    for (uint32_t i = 0; i < count; ++i) out.push_back("sc-02-data-tree-r-last-" + std::to_string(i) + ".dat");
    return out;
}

StoreFile unsealed_store_file(const SealProof &proof, const SectorKey &key)
{
    return {"unsealed/" + sector_id_string(key), proof.sector_size + full_unsealed_trailer(proof.sector_size).size()};
}

std::vector<StoreFile> persisted_files(const SealProof &proof, const SectorKey &key, const PersistedSet &set)
{
    std::vector<StoreFile> files;
    if (set.unsealed || set.unsealed_only) files.push_back(unsealed_store_file(proof, key));
    if (set.unsealed_only) return files;
    for (auto &f : persisted_files(proof, key, set.upgrade)) {
        if (set.cache_only && f.relative_path.ends_with(kSyntheticProofsFileName)) continue;
        files.push_back(std::move(f));
    }
    return files;
}

Status check_persisted_files(const std::string &store_root, const SealProof &proof, const SectorKey &key, bool upgrade)
{
    PersistedSet set;
    set.upgrade = upgrade;
    return check_persisted_files(store_root, proof, key, set);
}

std::vector<StoreFile> persisted_files(const SealProof &proof, const SectorKey &key, bool upgrade)
{
    const std::string id = sector_id_string(key);
    const std::string replica_dir = upgrade ? "update" : "sealed";
    const std::string cache_dir = (upgrade ? "update-cache/" : "cache/") + id + "/";
    std::vector<StoreFile> files;
    files.push_back({replica_dir + "/" + id, proof.sector_size});
    files.push_back({cache_dir + "p_aux", 64});
    files.push_back({cache_dir + "t_aux", 0});
    uint64_t tree_size = tree_r_last_file_nodes(proof, default_rows_to_discard(proof)) * 32;
    for (const auto &name : tree_r_last_file_names(proof)) files.push_back({cache_dir + name, tree_size});
    if (!upgrade && proof.feature == ProofFeature::synthetic_porep)
        files.push_back({cache_dir + kSyntheticProofsFileName, synthetic_proofs_file_bytes(proof)});
    return files;
}

Status check_persisted_files(const std::string &store_root, const SealProof &proof, const SectorKey &key,
                             const PersistedSet &set)
{
    for (const auto &f : persisted_files(proof, key, set)) {
        std::error_code ec;
        auto path = std::filesystem::path(store_root) / f.relative_path;
        auto size = std::filesystem::file_size(path, ec);
        if (ec) return make_error(Errc::not_found, "missing " + path.string());
        if (f.size != 0 && size != f.size)
            return make_error(Errc::corrupt, path.string() + " has " + std::to_string(size) + " bytes, expected " +
                                                 std::to_string(f.size));
        if (f.size == 0 && size == 0) return make_error(Errc::corrupt, path.string() + " is empty");
    }
    return {};
}

} // namespace dmc::core
