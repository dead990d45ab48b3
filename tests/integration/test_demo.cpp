// SPDX-License-Identifier: Apache-2.0
//
// The run.sh main job, as a test: scripts/demo.sh seals three 8MiB sectors
// (CC, deal, snap),
// deletes their files, rebuilds them through the manager and a worker with
// two rebuild threads, and checks byte identity, util verify and `sectors
// state`. Any failing step makes the script exit non-zero.
#include <catch2/catch.hpp>

#include "process.hpp"

using namespace dmc::test;

TEST_CASE("demo: lose a disk, rebuild it (run.sh main job)", "[demo]")
{
    TempDir dir("demo");
    RunOptions opts;
    opts.env["DEMO_DIR"] = dir.path();
    opts.timeout = std::chrono::seconds(900);
    auto r = run({"/bin/bash", std::string(DMC_SOURCE_ROOT) + "/scripts/demo.sh", DMC_BUILD_ROOT}, opts);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("s-t01001-1: sealed and cache files byte-identical to the originals") != std::string::npos);
    CHECK(r.out.find("s-t01001-2: sealed and cache files byte-identical to the originals") != std::string::npos);
    CHECK(r.out.find("s-t01001-3: update and update-cache files byte-identical to the originals") != std::string::npos);
    CHECK(r.out.find("$ damocles-manager util sealer sectors rebuild 1001 1") != std::string::npos);
    CHECK(r.out.find("demo OK") != std::string::npos);
}
