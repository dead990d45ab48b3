// SPDX-License-Identifier: Apache-2.0
//
// Versioned schema migrations of the registry, written in the SQL subset
// that SQLite and PostgreSQL share (BIGINT/INTEGER/TEXT, no BLOBs: hashes are
// stored as hex). Migration N is applied once, in a transaction, and recorded
// in schema_migrations.
#pragma once

#include <vector>

namespace dmc::service {

struct Migration {
    int version;
    const char *description;
    const char *sql; // statements separated by ';'
};

const std::vector<Migration> &registry_migrations();

} // namespace dmc::service
