// SPDX-License-Identifier: Apache-2.0
//
// Shared Catch2 runner for every test binary. Besides running the session it
//  - writes "<passed> <failed>" test-case counts to $DMC_TEST_COUNTS (test.sh
//    turns the sum into its final "N passed, N failed" line);
//  - in binaries built with DMC_TEST_REQUIRE_ALL_VECTORS, fails the run when a
//    vector of tests/vectors was not used by any test (full runs only).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "vectors.hpp"

namespace {

struct Counts {
    uint64_t passed = 0, failed = 0;
};
Counts g_counts;

struct CountingListener : Catch::TestEventListenerBase {
    using TestEventListenerBase::TestEventListenerBase;
    void testRunEnded(Catch::TestRunStats const &stats) override
    {
        g_counts.passed = stats.totals.testCases.passed;
        g_counts.failed = stats.totals.testCases.failed;
    }
};

} // namespace

CATCH_REGISTER_LISTENER(CountingListener)

int main(int argc, char **argv)
{
    Catch::Session session;
    int rc = session.applyCommandLine(argc, argv);
    if (rc != 0) return rc;
    rc = session.run();

#ifdef DMC_TEST_REQUIRE_ALL_VECTORS
    const bool filtered = !session.configData().testsOrTags.empty();
    if (!filtered && !session.configData().listTests) {
        for (const char *file : {"sdr", "poseidon"}) {
            auto unused = dmc::test::unused_vectors(file);
            for (const auto &name : unused)
                std::fprintf(stderr, "vector %s.json/%s was not used by any test\n", file, name.c_str());
            if (!unused.empty()) {
                g_counts.failed += 1;
                if (rc == 0) rc = 1;
            }
        }
    }
#endif

    if (const char *path = std::getenv("DMC_TEST_COUNTS"); path && *path) {
        std::ofstream out(path);
        out << g_counts.passed << ' ' << g_counts.failed << '\n';
    }
    return rc;
}
