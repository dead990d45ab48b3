// SPDX-License-Identifier: Apache-2.0
//
// `damocles-run seal` through the DAG + scheduler + resume record: killed
// (SIGKILL) during PC1, between PC1 and PC2, during PC2 and at a random
// moment, then run again with the same command and work dir, it resumes
// from its last completed vertex (the logs say from which state) and the
// final files are byte-identical to an uninterrupted run. Also: a batch of
// 3 sectors on a synthetic 2-node topology places PC1s on both nodes, as the
// resume records show.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <set>
#include <thread>

#include "damocles/core/resume_record.hpp"
#include "process.hpp"

using namespace dmc::test;

namespace {

const char *kTicket = "0606060606060606060606060606060606060606060606060606060606060606";

std::string parent_cache_dir()
{
    static TempDir dir("parents-resume");
    return dir.path();
}

std::vector<std::string> seal_argv(const std::string &out, const std::string &work)
{
    return {damocles_run(), "seal",  "--proof",        "StackedDrg8MiBV1_1",
            "--miner",      "1000",  "--sector",       "1",
            "--ticket",     kTicket, "--out",          out,
            "--work",       work,    "--parent-cache", parent_cache_dir()};
}

// The files of a sealed sector in a store, read whole.
std::vector<std::pair<std::string, std::string>> store_files(const std::string &root)
{
    std::vector<std::pair<std::string, std::string>> out;
    for (const char *rel :
         {"sealed/s-t01000-1", "cache/s-t01000-1/p_aux", "cache/s-t01000-1/sc-02-data-tree-r-last.dat"})
        out.emplace_back(rel, slurp(root + "/" + rel));
    return out;
}

} // namespace

TEST_CASE("seal resume: killed at several points, the result is byte-identical", "[resume]")
{
    TempDir ref("resume-ref");
    auto clean = run(seal_argv(ref / "out", ref / "work"));
    REQUIRE(clean.exit_code == 0);
    auto expected = store_files(ref / "out");
    // The t_aux names its cache dir, so compare it across runs with the same out dir below.

    struct Case {
        const char *failpoint;
        const char *resume_log;
    };
    const Case cases[] = {
        {"pc1.layer:1=kill", "PC1 resumes at layer 2"},
        {"after:pc1=kill", "resuming after pc1 (recorded done)"},
        {"after:tree_c=kill", "resuming after tree_c (recorded done)"},
        {"before:check_sealed=kill", "resuming from state PC2Done"},
    };
    for (const auto &c : cases) {
        DYNAMIC_SECTION("killed at " << c.failpoint)
        {
            TempDir dir("resume");
            RunOptions crash;
            crash.env["DAMOCLES_FAILPOINTS"] = c.failpoint;
            auto killed = run(seal_argv(dir / "out", dir / "work"), crash);
            CHECK(killed.exit_code == -9);
            CHECK_FALSE(std::filesystem::exists(dir / "out/sealed/s-t01000-1"));
            auto resumed = run(seal_argv(dir / "out", dir / "work"),
                               RunOptions{{{"DAMOCLES_LOG", "info"}}, "", "", std::chrono::seconds(600)});
            INFO(resumed.err);
            REQUIRE(resumed.exit_code == 0);
            CHECK(resumed.err.find(c.resume_log) != std::string::npos);
            CHECK(store_files(dir / "out") == expected);
        }
    }
}

TEST_CASE("seal resume: a kill -9 at an arbitrary moment, then the same command finishes identically", "[resume]")
{
    TempDir ref("resume-ref2");
    REQUIRE(run(seal_argv(ref / "out", ref / "work")).exit_code == 0);
    auto expected = store_files(ref / "out");
    TempDir dir("resume-async");
    {
        Background b(seal_argv(dir / "out", dir / "work"), RunOptions{}, dir / "first.log");
        // Kill once the resume record shows PC1 started (the record is written
        // at every step), i.e. in the middle of the flow.
        wait_until([&] { return std::filesystem::exists(dir / "work/s-t01000-1/cache"); }, std::chrono::seconds(60));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        b.kill(SIGKILL);
        b.wait();
    }
    auto resumed = run(seal_argv(dir / "out", dir / "work"),
                       RunOptions{{{"DAMOCLES_LOG", "info"}}, "", "", std::chrono::seconds(600)});
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    CHECK(resumed.err.find("resuming from state") != std::string::npos);
    CHECK(store_files(dir / "out") == expected);
}

TEST_CASE("seal batch: 3 PC1s on a synthetic 2-node topology use both nodes", "[resume][numa]")
{
    TempDir dir("numa");
    RunOptions opts;
    opts.env["HWLOC_SYNTHETIC"] = "pack:1 numa:2 core:2 pu:1";
    auto r = run({damocles_run(), "seal", "--proof", "StackedDrg2KiBV1_1", "--miner", "1000", "--sector", "1",
                  "--sector", "2", "--sector", "3", "--ticket", kTicket, "--out", dir / "out", "--work", dir / "work",
                  "--keep-intermediate", "--cores", "12", "--memory-mib", "4096", "--parent-cache", parent_cache_dir(),
                  // one PC1 vertex per sector (a multi-sector pc1 plugin would fuse them)
                  "--plugin", "pc1=cpu", "--json"},
                 opts);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::set<int> nodes;
    for (int n = 1; n <= 3; ++n) {
        auto rec = dmc::core::load_resume_record(
            dir / ("work/s-t01000-" + std::to_string(n) + "/s-t01000-" + std::to_string(n) + ".task"));
        REQUIRE(rec.ok());
        CHECK(rec->numa_node >= 0);
        nodes.insert(rec->numa_node);
    }
    CHECK(nodes == std::set<int>{0, 1});
}

TEST_CASE("seal: --limit pc1=1 never runs two PC1 at once", "[resume][limits]")
{
    TempDir dir("limits");
    auto r = run({damocles_run(),   "seal",
                  "--proof",        "StackedDrg2KiBV1_1",
                  "--miner",        "1000",
                  "--sector",       "1",
                  "--sector",       "2",
                  "--sector",       "3",
                  "--ticket",       kTicket,
                  "--out",          dir / "out",
                  "--limit",        "pc1=1",
                  "--cores",        "12",
                  "--parent-cache", parent_cache_dir(),
                  "--plugin",       "pc1=cpu"},
                 RunOptions{{{"DAMOCLES_LOG", "debug"}}, "", "", std::chrono::seconds(300)});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // Every "pc1 done" must come before the next PC1 starts writing layers.
    int running = 0, max_running = 0;
    size_t pos = 0;
    while (true) {
        size_t start = r.err.find("PC1 layer 1 of 2 written", pos);
        size_t done = r.err.find(": pc1 done", pos);
        if (start == std::string::npos && done == std::string::npos) break;
        if (start != std::string::npos && (done == std::string::npos || start < done)) {
            max_running = std::max(max_running, ++running);
            pos = start + 1;
        } else {
            --running;
            pos = done + 1;
        }
    }
    CHECK(max_running == 1);
}
