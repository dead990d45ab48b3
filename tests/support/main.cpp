// SPDX-License-Identifier: Apache-2.0
//
// Shared Catch2 runner for every test binary. Besides running the session it
//  - seals off the environment a user's shell may carry: every DAMOCLES_*
//    variable but DAMOCLES_LOG is removed before any test runs, so plugins
//    come from the build tree only and no user manager home, worker config,
//    registry URL or failpoint leaks in (a test that needs one sets it for
//    the process it starts);
//  - counts test cases as passed, failed or skipped (DMC_SKIP, skip.hpp)
//    and writes them to $DMC_TEST_COUNTS: a first line
//    "<passed> <failed> <skipped>", then "skipped\t<case>\t<reason>" per
//    skipped case (scripts/test-summary.py prints them per suite);
//  - in binaries built with DMC_TEST_REQUIRE_ALL_VECTORS, fails the run when a
//    vector of tests/vectors was not used by any test (full runs only).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "skip.hpp"
#include "vectors.hpp"

extern char **environ;

namespace {

struct Counts {
    uint64_t passed = 0, failed = 0, skipped = 0;
};
Counts g_counts;

struct CountingListener : Catch::TestEventListenerBase {
    using TestEventListenerBase::TestEventListenerBase;
    void testCaseEnded(Catch::TestCaseStats const &stats) override
    {
        const bool failed = stats.totals.testCases.failed > 0 || stats.totals.assertions.failed > 0;
        if (failed)
            ++g_counts.failed;
        else if (dmc::test::skipped_cases().count(stats.testInfo.name))
            ++g_counts.skipped;
        else
            ++g_counts.passed;
    }
};

void seal_environment()
{
    std::vector<std::string> names;
    for (char **e = environ; *e; ++e) {
        const char *eq = std::strchr(*e, '=');
        if (!eq || std::strncmp(*e, "DAMOCLES_", 9) != 0) continue;
        std::string name(*e, static_cast<size_t>(eq - *e));
        if (name != "DAMOCLES_LOG") names.push_back(name);
    }
    for (const auto &name : names) unsetenv(name.c_str());
}

void write_counts(const char *path)
{
    std::ofstream out(path);
    out << g_counts.passed << ' ' << g_counts.failed << ' ' << g_counts.skipped << '\n';
    for (const auto &[name, reason] : dmc::test::skipped_cases()) out << "skipped\t" << name << '\t' << reason << '\n';
}

} // namespace

CATCH_REGISTER_LISTENER(CountingListener)

int main(int argc, char **argv)
{
    seal_environment();
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

    if (const char *path = std::getenv("DMC_TEST_COUNTS"); path && *path) write_counts(path);
    return rc;
}
