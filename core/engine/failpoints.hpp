// SPDX-License-Identifier: Apache-2.0
//
// Failpoints for crash and fault tests: DAMOCLES_FAILPOINTS holds
// "point=action" pairs separated by commas, e.g.
//   after:pc1=kill,before:check_sealed=corrupt-replica,pc1.layer:1=kill
// Points: before:<vertex>, after:<vertex> (after its record is saved),
// pc1.layer:<l> (after layer l is durable), persist.copying:<file> (half of
// a store file copied), persist.placed:<file> (a store file in place).
// Actions: kill (SIGKILL, the crash of a power cut), fail (the vertex fails
// with "failpoint <point>"), sleep:<ms>, corrupt-replica (flips one byte of
// the job's replica), fill-disk (writes <work dir>/dmc-ballast until the
// filesystem is full: the next write meets ENOSPC).
// Unset = no cost beyond one getenv at start-up.
#pragma once

#include <string>

#include "damocles/core/sector_job.hpp"

namespace dmc::core::engine {

Status failpoint(const std::string &point, const SectorJob &job);

} // namespace dmc::core::engine
