// SPDX-License-Identifier: Apache-2.0
//
// <location>/data/batch.json of a sealing thread with batch > 1
// (docs/file-formats.md §7): the leases of the batch in progress, so that a
// restarted worker resumes the same batch under the same leases.
#pragma once

#include <string>
#include <vector>

#include "damocles/sdk/result.hpp"
#include "service/rpc/rebuild_lease.hpp"

namespace dmc::service {

// {"leases": [<lease>, …]}, written atomically (temp + fsync + rename).
Status save_batch_file(const std::string &path, const std::vector<RebuildLease> &leases);
Result<std::vector<RebuildLease>> load_batch_file(const std::string &path);

} // namespace dmc::service
