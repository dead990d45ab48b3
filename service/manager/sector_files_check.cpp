// SPDX-License-Identifier: Apache-2.0
//
// The per-sector part of the store check (store_check.hpp): from what is
// missing to what is inconsistent, cheapest first, so a sector is classified
// by its worst problem with as few reads as possible.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "damocles/sdk/aux_files.hpp"
#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/file.hpp"
#include "damocles/sdk/poseidon_tree.hpp"
#include "damocles/sdk/tree_files.hpp"
#include "service/manager/store_check.hpp"

namespace dmc::service {

namespace {

// What went wrong with a sector, before the action is chosen.
struct Finding {
    SectorHealth health = SectorHealth::ok;
    std::string detail;
};

Finding found(SectorHealth health, std::string detail) { return {health, std::move(detail)}; }

// The sector's replica and cache directory in the store: the sealing's, or
// the SnapDeals update's.
struct SectorPaths {
    std::string replica_relative, cache_relative;
};

SectorPaths sector_paths(const core::SectorRecord &record)
{
    const std::string id = core::sector_id_string(record.key);
    if (record.upgraded) return {"update/" + id, "update-cache/" + id};
    return {"sealed/" + id, "cache/" + id};
}

// The missing-file health: a SnapDeals sector's files are all its update's.
SectorHealth missing(const core::SectorRecord &record, bool replica)
{
    if (record.upgraded) return SectorHealth::update_missing;
    return replica ? SectorHealth::sealed_missing : SectorHealth::cache_missing;
}

// stat(); nullopt when the path does not exist.
Result<std::optional<struct stat>> stat_path(const std::string &path)
{
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) return std::optional<struct stat>(st);
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<struct stat>{};
    return make_error(Errc::io, "cannot stat " + path + ": " + std::strerror(errno));
}

// The last node of a tree-r-last file: its base tree's root.
Result<Fr> read_last_node(const std::string &path, uint64_t size)
{
    std::array<uint8_t, 32> node{};
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_error(Errc::io, "cannot open: " + std::string(std::strerror(errno)));
    const ssize_t got = ::pread(fd, node.data(), node.size(), static_cast<off_t>(size - node.size()));
    ::close(fd);
    if (got != static_cast<ssize_t>(node.size())) return make_error(Errc::io, "cannot read its last node");
    auto root = Fr::from_bytes(node);
    if (!root) return make_error(Errc::corrupt, "its root is not a field element");
    return root;
}

std::string hex_of(const Fr &value) { return to_hex(value.to_bytes()); }

// The cache (or update-cache) of a sector whose replica is present and of
// the right size. On success `roots` holds p_aux's values.
Finding check_cache(const std::string &store_root, const core::SectorRecord &record, const SealProof &proof,
                    const SectorPaths &paths, PAux &roots)
{
    const std::string cache_dir = store_root + "/" + paths.cache_relative;
    auto cache_stat = stat_path(cache_dir);
    if (!cache_stat) return found(SectorHealth::cache_corrupt, cache_stat.error().message);
    if (!*cache_stat) return found(missing(record, false), paths.cache_relative + " is missing");
    if (!S_ISDIR((*cache_stat)->st_mode))
        return found(SectorHealth::cache_corrupt, paths.cache_relative + " is not a directory");

    auto base_layout = sector_tree_layout(proof.sector_size);
    if (!base_layout) return found(SectorHealth::cache_corrupt, base_layout.error().message);
    std::vector<std::string> names = {kPAuxFileName, kTAuxFileName};
    names.insert(names.end(), base_layout->tree_r_last_files.begin(), base_layout->tree_r_last_files.end());
    for (const auto &name : names) {
        auto file_stat = stat_path(cache_dir + "/" + name);
        if (!file_stat) return found(SectorHealth::cache_corrupt, file_stat.error().message);
        if (!*file_stat) return found(missing(record, false), paths.cache_relative + "/" + name + " is missing");
    }

    auto p_aux = read_p_aux(cache_dir);
    if (!p_aux) return found(SectorHealth::cache_corrupt, paths.cache_relative + "/p_aux: " + p_aux.error().message);
    auto t_aux = read_t_aux(cache_dir);
    if (!t_aux) return found(SectorHealth::cache_corrupt, paths.cache_relative + "/t_aux: " + t_aux.error().message);
    auto layout = sector_tree_layout(proof.sector_size, static_cast<unsigned>(t_aux->tree_r_last.rows_to_discard));
    if (!layout) return found(SectorHealth::cache_corrupt, paths.cache_relative + "/t_aux: " + layout.error().message);

    std::vector<Fr> base_roots;
    for (const auto &name : layout->tree_r_last_files) {
        const std::string relative = paths.cache_relative + "/" + name;
        auto file_stat = stat_path(store_root + "/" + relative);
        if (!file_stat || !*file_stat) return found(missing(record, false), relative + " is missing");
        const uint64_t size = static_cast<uint64_t>((*file_stat)->st_size);
        if (size != layout->tree_r_last_file_bytes)
            return found(SectorHealth::cache_corrupt, relative + ": " + std::to_string(size) + " bytes, expected " +
                                                          std::to_string(layout->tree_r_last_file_bytes));
        auto root = read_last_node(store_root + "/" + relative, size);
        if (!root) return found(SectorHealth::cache_corrupt, relative + ": " + root.error().message);
        base_roots.push_back(*root);
    }
    auto comm_r_last = compound_root(proof.shape, base_roots);
    if (!comm_r_last) return found(SectorHealth::cache_corrupt, comm_r_last.error().message);
    if (!(*comm_r_last == p_aux->comm_r_last))
        return found(SectorHealth::cache_corrupt, "the tree-r-last root " + hex_of(*comm_r_last) +
                                                      " differs from p_aux's comm_r_last " +
                                                      hex_of(p_aux->comm_r_last));
    const std::string &registered = record.upgraded ? record.snap->comm_r_new.value_or(std::string()) : record.comm_r;
    const std::string from_files =
        commitment_to_cid(comm_r_from(p_aux->comm_c, p_aux->comm_r_last).to_bytes(), CommitmentKind::sealed);
    if (from_files != registered)
        return found(SectorHealth::cache_corrupt, "p_aux gives " +
                                                      std::string(record.upgraded ? "comm_r_new " : "CommR ") +
                                                      from_files + ", the registry has " + registered);
    roots = *p_aux;
    return {};
}

Finding check_files(const std::string &store_root, const core::SectorRecord &record, const SealProof &proof,
                    const StoreCheckOptions &options, PAux &roots)
{
    const SectorPaths paths = sector_paths(record);
    auto replica_stat = stat_path(store_root + "/" + paths.replica_relative);
    if (!replica_stat) return found(SectorHealth::sealed_corrupt, replica_stat.error().message);
    if (!*replica_stat) return found(missing(record, true), paths.replica_relative + " is missing");
    const uint64_t size = static_cast<uint64_t>((*replica_stat)->st_size);
    if (!S_ISREG((*replica_stat)->st_mode) || size != proof.sector_size)
        return found(SectorHealth::sealed_corrupt, paths.replica_relative + ": " + std::to_string(size) +
                                                       " bytes, expected " + std::to_string(proof.sector_size));
    Finding cache = check_cache(store_root, record, proof, paths, roots);
    if (cache.health != SectorHealth::ok || !options.deep) return cache;
    auto proved =
        prove_sampled_nodes(proof, store_root + "/" + paths.cache_relative, store_root + "/" + paths.replica_relative,
                            roots.comm_r_last.to_bytes(), options.deep_samples);
    if (!proved) return found(SectorHealth::sealed_corrupt, paths.replica_relative + ": " + proved.error().message);
    return {};
}

// What fixes it: a cache-only repair needs the registered comm_c and
// comm_r_last (to check the rebuilt cache) and exists for sealed sectors
// only; anything else is a full rebuild.
RepairAction action_for(const core::SectorRecord &record, SectorHealth health)
{
    switch (health) {
    case SectorHealth::ok: return RepairAction::none;
    case SectorHealth::unregistered: return RepairAction::inspect;
    case SectorHealth::cache_missing:
    case SectorHealth::cache_corrupt:
        if (!record.upgraded && record.comm_c && record.comm_r_last) return RepairAction::repair_cache;
        return RepairAction::rebuild;
    default: return RepairAction::rebuild;
    }
}

} // namespace

const char *sector_health_name(SectorHealth health)
{
    switch (health) {
    case SectorHealth::ok: return "ok";
    case SectorHealth::sealed_missing: return "sealed-missing";
    case SectorHealth::sealed_corrupt: return "sealed-corrupt";
    case SectorHealth::cache_missing: return "cache-missing";
    case SectorHealth::cache_corrupt: return "cache-corrupt";
    case SectorHealth::update_missing: return "update-missing";
    case SectorHealth::unregistered: return "unregistered";
    }
    return "unknown";
}

const char *repair_action_name(RepairAction action)
{
    switch (action) {
    case RepairAction::none: return "none";
    case RepairAction::rebuild: return "rebuild";
    case RepairAction::repair_cache: return "repair-cache";
    case RepairAction::inspect: return "inspect";
    }
    return "inspect";
}

SectorFileCheck check_sector_files(const std::string &store_root, const core::SectorRecord &record,
                                   const StoreCheckOptions &options)
{
    SectorFileCheck check;
    check.key = record.key;
    auto proof = find_seal_proof(record.proof_id);
    if (!proof) {
        check.health = SectorHealth::unregistered;
        check.action = RepairAction::inspect;
        check.detail = "the record's seal proof: " + proof.error().message;
        return check;
    }
    if (record.upgraded && (!record.snap || !record.snap->comm_r_new)) {
        check.health = SectorHealth::update_missing;
        check.action = RepairAction::inspect;
        check.detail = "the record has no comm_r_new: its update cannot be checked (import it again with --replace)";
        return check;
    }
    PAux roots;
    const Finding finding = check_files(store_root, record, **proof, options, roots);
    check.health = finding.health;
    check.detail = finding.detail;
    check.action = action_for(record, finding.health);
    if (finding.health == SectorHealth::ok && !record.upgraded && (!record.comm_c || !record.comm_r_last))
        check.roots_to_learn = TreeRoots{roots.comm_c.to_bytes(), roots.comm_r_last.to_bytes()};
    return check;
}

} // namespace dmc::service
