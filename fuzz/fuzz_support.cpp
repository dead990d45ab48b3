// SPDX-License-Identifier: Apache-2.0
//
// The one symbol the fuzzed parsers take from the registry. Its home,
// core/registry/registry_store.cpp, also opens SQLite and PostgreSQL
// registries, which would pull both client libraries into the fuzz build
// for a string format; it is copied here instead (architecture.md §8).
#include "damocles/core/registry_types.hpp"

namespace dmc::core {

std::string sector_id_string(const SectorKey &key)
{
    return "s-t0" + std::to_string(key.miner) + "-" + std::to_string(key.number);
}

} // namespace dmc::core
