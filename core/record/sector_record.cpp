// SPDX-License-Identifier: Apache-2.0
#include "damocles/core/internal/sector_record.hpp"

#include "damocles/core/dag_types.hpp"

namespace dmc::core {

// Always "t0", as damocles prints it, even for mainnet miners
// (docs/architecture.md §8).
std::string sector_id_string(uint64_t miner, uint64_t number)
{
    return "s-t0" + std::to_string(miner) + "-" + std::to_string(number);
}

std::string sector_id_string(const SectorKey &key) { return sector_id_string(key.miner, key.number); }

} // namespace dmc::core
