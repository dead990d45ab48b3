// SPDX-License-Identifier: Apache-2.0
//
// A leased sector's files and the worker's attached stores
// (docs/architecture.md §8.6, §8.8): the files that survived in the sector's
// store, and persist into a store the manager chooses. Shared by a task that
// runs alone (rebuild_run.cpp) and the sectors of a batch (batch_run.cpp).
#pragma once

#include <string>

#include "damocles/core/sector_job.hpp"
#include "service/rpc/rebuild_lease.hpp"
#include "service/worker/worker_config.hpp"

namespace dmc::service {

struct SealingThreadImpl;

// The sector's file under `dir` ("sealed", "update") in its attached store,
// when it is there with the sector's size ("" otherwise): a candidate for a
// cache-only repair or an unseal.
std::string surviving_replica(const WorkerConfig &config, const RebuildLease &lease, const char *dir);

// Reserves space with StoreReserveSpace (polling rpc_polling_interval while
// no store is chosen), writes the job's files into the worker's mount of
// the chosen store and submits them with SubmitPersistedEx under `lease`.
Status persist_leased_sector(SealingThreadImpl &thread, const RebuildLease &lease, core::SectorJob &job);

} // namespace dmc::service
