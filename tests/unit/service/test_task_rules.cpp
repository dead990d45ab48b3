// SPDX-License-Identifier: Apache-2.0
//
// The failure policy a rebuild task follows alone or as a batch sector
// (service/worker/task_rules.hpp, docs/architecture.md §8.6), and what
// counts as "out of space".
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>

#include "service/worker/task_rules.hpp"

using namespace dmc;
using namespace dmc::service;
using core::Plan;

namespace {

Error error_of(Errc code, std::string message = "x") { return Error{code, std::move(message)}; }

} // namespace

TEST_CASE("failure policy: what a failed attempt leads to", "[service][rules]")
{
    const uint32_t max = 3;
    // Cancelled, by the error or by the outcome: pause.
    CHECK(step_after_failure(error_of(Errc::cancelled), false, Plan::cc, 0, max) == FailureStep::pause);
    CHECK(step_after_failure(error_of(Errc::io), true, Plan::cc, 0, max) == FailureStep::pause);
    // A mismatch in a cache-only repair or an unseal: the surviving file is damaged.
    for (Plan plan : {Plan::cache_only, Plan::unseal})
        for (Errc code : {Errc::verify_failed, Errc::corrupt})
            CHECK(step_after_failure(error_of(code), false, plan, 0, max) == FailureStep::full_rebuild);
    // A mismatch of a full rebuild: abort on the manager.
    for (Plan plan : {Plan::cc, Plan::deal, Plan::snap})
        CHECK(step_after_failure(error_of(Errc::verify_failed), false, plan, 0, max) == FailureStep::abort);
    CHECK(step_after_failure(error_of(Errc::corrupt), false, Plan::cc, 0, max) == FailureStep::fail);
    // I/O and device errors are retried max_retries times, then fail.
    for (Errc code : {Errc::io, Errc::device}) {
        CHECK(step_after_failure(error_of(code), false, Plan::cc, max - 1, max) == FailureStep::retry);
        CHECK(step_after_failure(error_of(code), false, Plan::cc, max, max) == FailureStep::fail);
    }
    // A full disk fails at once; a full persist store is retried (it may reserve elsewhere).
    const std::string full = std::strerror(ENOSPC);
    CHECK(step_after_failure(error_of(Errc::io, "write layer: " + full), false, Plan::cc, 0, max) == FailureStep::fail);
    CHECK(step_after_failure(error_of(Errc::io, "persist: " + full), false, Plan::cc, 0, max) == FailureStep::retry);
    CHECK(step_after_failure(error_of(Errc::invalid_argument), false, Plan::cc, 0, max) == FailureStep::fail);
}
