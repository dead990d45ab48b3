// SPDX-License-Identifier: Apache-2.0
//
// Opening the SQL registry: the numbered schema migrations of
// registry_schema.cpp, applied in one write transaction and recorded in
// schema_migrations (docs/architecture.md §7.5).
#include "service/registry/sql_registry.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "service/registry/registry_schema.hpp"

namespace dmc::service {

int64_t registry_now_seconds()
{
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Result<std::unique_ptr<SqlRegistry>> SqlRegistry::open(std::unique_ptr<SqlDialect> dialect)
{
    std::unique_ptr<SqlRegistry> registry(new SqlRegistry(std::move(dialect)));
    DMC_TRY_VOID(registry->migrate());
    return registry;
}

Status SqlRegistry::migrate()
{
    return dialect_->transact(TxMode::write, [&](SqlConnection &connection) -> Status {
        DMC_TRY_VOID(dialect_->serialize_migrations(connection));
        DMC_TRY_VOID(connection.execute_script("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER "
                                               "PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)"));
        std::optional<SqlRow> row;
        DMC_TRY_ASSIGN(row, connection.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
        const int current = row ? static_cast<int>(row->integer(0)) : 0;
        const auto &all = registry_migrations();
        const int latest = all.empty() ? 0 : all.back().version;
        if (current > latest)
            return make_error(Errc::unsupported, "registry schema version " + std::to_string(current) +
                                                     " is newer than this program supports (" + std::to_string(latest) +
                                                     "); upgrade damocles-run");
        for (const auto &migration : all) {
            if (migration.version <= current) continue;
            DMC_TRY_VOID(connection.execute_script(migration.sql));
            DMC_TRY_VOID(connection.execute("INSERT INTO schema_migrations (version, description, applied_at) "
                                            "VALUES (?, ?, ?)",
                                            {migration.version, migration.description, registry_now_seconds()}));
            spdlog::info("registry: applied migration {} ({})", migration.version, migration.description);
        }
        return {};
    });
}

Result<int> SqlRegistry::schema_version()
{
    return transact_value<int>(TxMode::read_snapshot, [](SqlConnection &connection) -> Result<int> {
        std::optional<SqlRow> row;
        DMC_TRY_ASSIGN(row, connection.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
        return row ? static_cast<int>(row->integer(0)) : 0;
    });
}

} // namespace dmc::service
