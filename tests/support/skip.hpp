// SPDX-License-Identifier: Apache-2.0
//
// Visible skips. Catch2 2.x has no SKIP: a test that cannot run here (no
// GPU, not root, a CPU without the avx512 features, no PostgreSQL, no
// clang) calls DMC_SKIP("why"), which WARNs "SKIPPED: why" and records the
// running test case, so that main.cpp counts it as skipped, never as
// passed, and names it in $DMC_TEST_COUNTS (test.sh lists skipped cases per
// suite). A case that fails an assertion before or after the skip still
// counts as failed.
#pragma once

#include <catch2/catch.hpp>

#include <map>
#include <sstream>
#include <string>

namespace dmc::test {

// Marks the running test case skipped with `reason` (the first reason wins).
void mark_skipped(const std::string &reason);
// Test case name -> reason, for the runner.
const std::map<std::string, std::string> &skipped_cases();

} // namespace dmc::test

// Leaves the running TEST_CASE as skipped. `reason` may use << like INFO.
#define DMC_SKIP(reason)                                                                                               \
    do {                                                                                                               \
        std::ostringstream dmc_skip_reason_;                                                                           \
        dmc_skip_reason_ << reason;                                                                                    \
        ::dmc::test::mark_skipped(dmc_skip_reason_.str());                                                             \
        WARN("SKIPPED: " << dmc_skip_reason_.str());                                                                   \
        return;                                                                                                        \
    } while (false)
