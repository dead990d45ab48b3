// SPDX-License-Identifier: Apache-2.0
#include "service/registry/registry_store.hpp"

#include "service/registry/postgres_registry.hpp"
#include "service/registry/sqlite_registry.hpp"

namespace dmc::service {

using namespace dmc::core;

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

} // namespace dmc::service
