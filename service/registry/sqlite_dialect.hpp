// SPDX-License-Identifier: Apache-2.0
//
// SQLite behind the registry's dialect interface (docs/architecture.md §7.5):
// the embedded default, <home>/registry.db.
#pragma once

#include <memory>
#include <string>

#include "service/registry/sql_dialect.hpp"

namespace dmc::service {

// Opens (creating) the database file at `path`: WAL, synchronous=FULL,
// foreign keys on, writers wait up to 10 s for one another.
Result<std::unique_ptr<SqlDialect>> open_sqlite_dialect(const std::string &path);

} // namespace dmc::service
