// SPDX-License-Identifier: Apache-2.0
#include "damocles/core/registry_store.hpp"

#include "registry/postgres_registry.hpp"
#include "registry/sqlite_registry.hpp"

namespace dmc::core {

std::string sector_id_string(const SectorKey &key)
{
    return "s-t0" + std::to_string(key.miner) + "-" + std::to_string(key.number);
}

Result<std::unique_ptr<RegistryStore>> open_registry(const std::string &location)
{
    if (location.rfind("postgres://", 0) == 0 || location.rfind("postgresql://", 0) == 0) {
        auto reg = PostgresRegistry::open(location);
        if (!reg) return reg.error();
        return std::unique_ptr<RegistryStore>(std::move(*reg));
    }
    std::string path = location;
    if (path.rfind("sqlite://", 0) == 0) path = path.substr(9);
    auto reg = SqliteRegistry::open(path);
    if (!reg) return reg.error();
    return std::unique_ptr<RegistryStore>(std::move(*reg));
}

} // namespace dmc::core
