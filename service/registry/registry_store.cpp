// SPDX-License-Identifier: Apache-2.0
#include "service/registry/registry_store.hpp"

#include "service/registry/postgres_dialect.hpp"
#include "service/registry/sql_registry.hpp"
#include "service/registry/sqlite_dialect.hpp"

namespace dmc::service {

namespace {

Result<std::unique_ptr<SqlDialect>> open_dialect(const std::string &location)
{
    if (location.starts_with("postgres://") || location.starts_with("postgresql://"))
        return make_postgres_dialect(location);
    constexpr std::string_view kSqliteScheme = "sqlite://";
    if (location.starts_with(kSqliteScheme)) return open_sqlite_dialect(location.substr(kSqliteScheme.size()));
    return open_sqlite_dialect(location);
}

} // namespace

Result<std::unique_ptr<RegistryStore>> open_registry(const std::string &location)
{
    std::unique_ptr<SqlDialect> dialect;
    DMC_TRY_ASSIGN(dialect, open_dialect(location));
    std::unique_ptr<SqlRegistry> registry;
    DMC_TRY_ASSIGN(registry, SqlRegistry::open(std::move(dialect)));
    return std::unique_ptr<RegistryStore>(std::move(registry));
}

} // namespace dmc::service
