// SPDX-License-Identifier: Apache-2.0
#include "damocles/sdk/sealed_sector.hpp"

#include <algorithm>
#include <filesystem>

#include "damocles/sdk/aux_files.hpp"
#include "damocles/sdk/poseidon_tree.hpp"

namespace dmc {

namespace {

Result<MappedFile> open_sized(const std::string &path, uint64_t expected)
{
    MappedFile m;
    DMC_TRY_ASSIGN(m, MappedFile::open_read(path));
    if (m.size() != expected)
        return make_error(Errc::corrupt,
                          path + " has " + std::to_string(m.size()) + " bytes, expected " + std::to_string(expected));
    return m;
}

Result<SectorTreeLayout> layout_for(const SealProof &proof, const std::string &cache_dir)
{
    std::optional<unsigned> rows;
    std::error_code ec;
    if (std::filesystem::exists(cache_dir + "/" + kTAuxFileName, ec)) {
        TAux t;
        DMC_TRY_ASSIGN(t, read_t_aux(cache_dir));
        rows = static_cast<unsigned>(t.tree_r_last.rows_to_discard);
    }
    return sector_tree_layout(proof.sector_size, rows);
}

} // namespace

bool SealedSectorFiles::has_full_cache(const SealProof &proof, const std::string &cache_dir)
{
    auto layout = sector_tree_layout(proof.sector_size);
    if (!layout) return false;
    std::error_code ec;
    auto exists = [&](const std::string &name) { return std::filesystem::exists(cache_dir + "/" + name, ec); };
    if (!exists(tree_d_file_name())) return false;
    for (const auto &n : layout->label_files)
        if (!exists(n)) return false;
    for (const auto &n : layout->tree_c_files)
        if (!exists(n)) return false;
    return true;
}

Result<SealedSectorFiles> SealedSectorFiles::open(const SealProof &proof, const std::string &cache_dir,
                                                  const std::string &replica_path, bool full_cache)
{
    SealedSectorFiles s;
    DMC_TRY_ASSIGN(s.layout_, layout_for(proof, cache_dir));
    const auto &L = s.layout_;
    s.files_.reserve(4 + L.label_files.size() + L.tree_c_files.size() + L.tree_r_last_files.size());
    auto add = [&](const std::string &path, uint64_t size) -> Result<std::span<const uint8_t>> {
        MappedFile m;
        DMC_TRY_ASSIGN(m, open_sized(path, size));
        s.files_.push_back(std::move(m));
        return s.files_.back().bytes();
    };
    DMC_TRY_ASSIGN(s.view_.replica, add(replica_path, proof.sector_size));
    for (const auto &name : L.tree_r_last_files) {
        std::span<const uint8_t> rows;
        DMC_TRY_ASSIGN(rows, add(cache_dir + "/" + name, L.tree_r_last_file_bytes));
        s.view_.tree_r_last.push_back({rows, L.rows_to_discard + 1});
    }
    if (full_cache) {
        DMC_TRY_ASSIGN(s.view_.tree_d, add(cache_dir + "/" + tree_d_file_name(), L.tree_d_file_bytes));
        for (const auto &name : L.label_files) {
            std::span<const uint8_t> layer;
            DMC_TRY_ASSIGN(layer, add(cache_dir + "/" + name, L.nodes * 32));
            s.view_.layers.push_back(layer);
        }
        for (const auto &name : L.tree_c_files) {
            std::span<const uint8_t> rows;
            DMC_TRY_ASSIGN(rows, add(cache_dir + "/" + name, L.tree_c_file_bytes));
            s.view_.tree_c.push_back({rows, 0});
        }
    }
    return s;
}

Result<Bytes32> verify_tree_r_last(const SealProof &proof, const std::string &cache_dir,
                                   const std::string &replica_path, const std::optional<Bytes32> &comm_r,
                                   unsigned threads)
{
    SealedSectorFiles files;
    DMC_TRY_ASSIGN(files, SealedSectorFiles::open(proof, cache_dir, replica_path, false));
    const auto &L = files.layout();
    const uint64_t n = L.base_tree.leaves;
    const unsigned first_row = L.rows_to_discard + 1;
    std::vector<uint8_t> rebuilt(L.tree_r_last_file_bytes);
    std::vector<Fr> roots;
    for (uint32_t i = 0; i < L.base_tree_count; ++i) {
        TreeBuildOptions opts;
        opts.threads = threads;
        Fr root;
        DMC_TRY_ASSIGN(root,
                       build_base_tree(files.view().replica.data() + i * n * 32, n, rebuilt.data(), first_row, opts));
        auto stored = files.view().tree_r_last[i].rows;
        auto diff = std::mismatch(rebuilt.begin(), rebuilt.end(), stored.begin());
        if (diff.first != rebuilt.end()) {
            uint64_t node = static_cast<uint64_t>(diff.first - rebuilt.begin()) / 32;
            return make_error(Errc::verify_failed, cache_dir + "/" + L.tree_r_last_files[i] + ": node " +
                                                       std::to_string(node) + " differs from the tree rebuilt from " +
                                                       replica_path + " (the replica or the tree file is corrupt)");
        }
        roots.push_back(root);
    }
    Fr comm_r_last;
    DMC_TRY_ASSIGN(comm_r_last, compound_root(proof.shape, roots));
    PAux p_aux;
    DMC_TRY_ASSIGN(p_aux, read_p_aux(cache_dir));
    if (!(p_aux.comm_r_last == comm_r_last))
        return make_error(Errc::verify_failed,
                          cache_dir + "/p_aux: comm_r_last " + to_hex(p_aux.comm_r_last.to_bytes()) +
                              " differs from the tree-r-last root " + to_hex(comm_r_last.to_bytes()));
    if (comm_r) {
        Bytes32 computed = comm_r_from(p_aux.comm_c, comm_r_last).to_bytes();
        if (computed != *comm_r)
            return make_error(Errc::verify_failed, "comm_r " + to_hex(computed) +
                                                       " of the files differs from the "
                                                       "expected comm_r " +
                                                       to_hex(*comm_r));
    }
    return comm_r_last.to_bytes();
}

} // namespace dmc
