// SPDX-License-Identifier: Apache-2.0
#include "service/manager/store_check.hpp"

#include <algorithm>
#include <filesystem>

#include <spdlog/spdlog.h>

namespace dmc::service {

namespace {

namespace fs = std::filesystem;

bool same_path(const std::string &a, const std::string &b)
{
    std::error_code error;
    const fs::path canonical_a = fs::weakly_canonical(a, error);
    if (error) return a == b;
    const fs::path canonical_b = fs::weakly_canonical(b, error);
    if (error) return a == b;
    return canonical_a == canonical_b;
}

Result<PersistStoreRecord> find_store(RegistryStore &registry, const std::string &name_or_path)
{
    DMC_TRY_ASSIGN(std::vector<PersistStoreRecord> stores, registry.list_stores());
    for (const auto &store : stores)
        if (store.name == name_or_path) return store;
    for (const auto &store : stores)
        if (same_path(store.path, name_or_path)) return store;
    return make_error(Errc::invalid_argument, "no persist store is named " + name_or_path +
                                                  " or attached at that path (see `util storage list`)");
}

} // namespace

Result<StoreCheckReport> check_store(RegistryStore &registry, const std::string &store_name_or_path,
                                     const StoreCheckOptions &options)
{
    DMC_TRY_ASSIGN(PersistStoreRecord store, find_store(registry, store_name_or_path));
    std::error_code error;
    if (!fs::is_directory(store.path, error))
        return make_error(Errc::io, "persist store " + store.name + ": " + store.path +
                                        " is not a directory on the manager host (unmounted?)");
    SectorFilter filter;
    filter.miner = options.miner;
    DMC_TRY_ASSIGN(std::vector<SectorRecord> sectors, registry.list_sectors(filter));
    std::sort(sectors.begin(), sectors.end(),
              [](const SectorRecord &a, const SectorRecord &b) { return a.key < b.key; });

    StoreCheckReport report;
    report.store = store.name;
    report.path = store.path;
    std::map<core::SectorKey, std::string> registered;
    std::vector<SectorTreeRoots> learnt;
    for (const auto &sector : sectors) {
        registered[sector.key] = sector.store;
        if (sector.store != store.name || sector.removed) continue;
        SectorFileCheck check = check_sector_files(store.path, sector, options);
        if (sector.online && check.health != SectorHealth::ok) check.detail += " (a rebuild is queued or running)";
        if (check.roots_to_learn)
            learnt.push_back({sector.key, check.roots_to_learn->comm_c, check.roots_to_learn->comm_r_last});
        report.sectors.push_back(std::move(check));
    }
    // One transaction for all of them: thousands of sectors, one commit.
    if (auto recorded = registry.set_tree_roots_of(learnt); recorded)
        report.roots_learnt = learnt.size();
    else
        spdlog::warn("cannot record the comm_c/comm_r_last learnt from {} p_aux files: {}", learnt.size(),
                     recorded.error().message);
    auto unregistered = find_unregistered_files(store.path, store.name, registered, options.miner);
    report.sectors.insert(report.sectors.end(), std::make_move_iterator(unregistered.begin()),
                          std::make_move_iterator(unregistered.end()));
    spdlog::info("store check of {} ({}): {} sectors, {} unregistered files, comm_c/comm_r_last learnt for {}",
                 store.name, store.path, report.sectors.size() - unregistered.size(), unregistered.size(),
                 report.roots_learnt);
    return report;
}

} // namespace dmc::service
