// SPDX-License-Identifier: Apache-2.0
//
// PostgreSQL behind the registry's dialect interface (docs/architecture.md
// §7.5): several manager processes on one database.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "service/registry/sql_dialect.hpp"

namespace dmc::service {

// `url`: postgres://… or postgresql://… (libpq URI). Connects lazily: the
// first transaction opens the first pooled connection.
std::unique_ptr<SqlDialect> make_postgres_dialect(const std::string &url);

// `sql` with its `?` placeholders numbered `$1`, `$2`, … as PostgreSQL wants
// them; a `?` inside a quoted literal or identifier is left alone.
std::string numbered_placeholders(std::string_view sql);

} // namespace dmc::service
