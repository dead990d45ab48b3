// SPDX-License-Identifier: Apache-2.0
//
// A surviving unsealed copy (unsealed/s-t0M-N in an attached store,
// docs/file-formats.md §1.1) as the first piece source of a deal or snap
// rebuild (docs/architecture.md §8.7): it holds every piece of the sector at
// its offset, so nothing has to be fetched. A copy is used only when the
// CommD of its data is the registered one (comm_d_new for a snap sector);
// any other candidate is skipped with a warning that names it, and the
// rebuild falls back to the other sources.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "damocles/sdk/hex.hpp"
#include "damocles/sdk/proof.hpp"

namespace dmc::core {

// The first of `candidates` (paths that may not exist) whose data CommD is
// `expected_comm_d`. Missing files are skipped silently; unreadable ones and
// CommD mismatches are logged as warnings naming the file.
std::optional<std::string> find_unsealed_copy(const std::vector<std::string> &candidates, const SealProof &proof,
                                              const Bytes32 &expected_comm_d);

} // namespace dmc::core
