// SPDX-License-Identifier: Apache-2.0
//
// Smaller commands, run as a user would: dag show (text and Graphviz), the
// progress line of `seal` on a terminal, util replica-id, util task (the
// resume record as JSON), util storage attach/list.
#include <catch2/catch.hpp>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "manager_fixture.hpp"
#include "process.hpp"
#include "vectors.hpp"

using namespace dmc::test;
using nlohmann::json;

TEST_CASE("cli: dag show prints the rebuild DAG as text and Graphviz", "[cli]")
{
    auto text = run({damocles_run(), "dag", "show", "--proof", "StackedDrg32GiBV1_1", "--snap", "--sectors", "2"});
    INFO(text.err);
    REQUIRE(text.exit_code == 0);
    for (const char *kind : {"add_pieces", "tree_d", "pc1", "tree_c", "tree_r_last", "comm_r_check", "check_sealed",
                             "add_new_pieces", "tree_d_new", "snap_encode", "snap_check", "persist", "report"})
        CHECK(text.out.find(kind) != std::string::npos);
    CHECK(text.out.find("sectors: 2") != std::string::npos);
    CHECK(text.out.find("pc1 -> tree_c") != std::string::npos);
    auto dot = run({damocles_run(), "dag", "show", "--proof", "StackedDrg2KiBV1_1", "--dot"});
    REQUIRE(dot.exit_code == 0);
    CHECK(dot.out.rfind("digraph", 0) == 0);
    CHECK(dot.out.find("->") != std::string::npos);
    auto bad = run({damocles_run(), "dag", "show", "--proof", "nope"});
    CHECK(bad.exit_code == 2);
}

TEST_CASE("cli: seal on a terminal shows a progress line with percent and ETA", "[cli]")
{
    TempDir dir("tty");
    // `script` gives the command a pseudo-terminal, as an operator's shell.
    std::string cmd = damocles_run() +
                      " seal --proof StackedDrg2KiBV1_1 --miner 1002 --sector 1 --ticket "
                      "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0 --out " +
                      dir.path() + " --parent-cache " + dir.path() + "/parents";
    auto r = run({"/usr/bin/script", "-qec", cmd, "/dev/null"},
                 RunOptions{{{"DAMOCLES_LOG", "warn"}}, "", "", std::chrono::seconds(600)});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("s-t01002-1 [") != std::string::npos);
    CHECK(r.out.find("100.0%") != std::string::npos);
    CHECK(r.out.find("elapsed") != std::string::npos);
    // Not on a terminal: no progress line.
    auto plain = run({damocles_run(), "seal", "--proof", "StackedDrg2KiBV1_1", "--miner", "1002", "--sector", "2",
                      "--ticket", "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0", "--out",
                      dir.path(), "--parent-cache", dir / "parents"},
                     RunOptions{{{"DAMOCLES_LOG", "warn"}}, "", "", std::chrono::seconds(600)});
    CHECK(plain.err.find("elapsed") == std::string::npos);
}

TEST_CASE("cli: util replica-id and util task", "[cli]")
{
    const auto &v = use_vector("sdr", "rid_lotus_devnet_t01002_s1");
    auto r = run({damocles_run(), "util", "replica-id", "--proof", "StackedDrg2KiBV1_1", "--miner", "f01002",
                  "--sector", "1", "--ticket", "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0",
                  "--comm-d", "baga6ea4seaqpy7usqklokfx2vxuynmupslkeutzexe2uqurdg5vhtebhxqmpqmy"});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == v["expected"]["replica_id_hex"].get<std::string>() + "\n");
    auto bad = run({damocles_run(), "util", "replica-id", "--proof", "5", "--miner", "1002", "--sector", "1",
                    "--ticket", "zz", "--comm-d", "x"});
    CHECK(bad.exit_code == 2);

    TempDir dir("task");
    REQUIRE(run({damocles_run(), "seal", "--proof", "StackedDrg2KiBV1_1", "--miner", "1002", "--sector", "1",
                 "--ticket", "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0", "--out", dir.path(),
                 "--work", dir / "work", "--keep-intermediate", "--parent-cache", dir / "parents"})
                .exit_code == 0);
    auto t = run({damocles_run(), "util", "task", dir / "work/s-t01002-1/s-t01002-1.task"});
    REQUIRE(t.exit_code == 0);
    auto j = json::parse(t.out);
    CHECK(j["task"]["state"] == "Finished");
    CHECK(j["task"]["sector_id"] == "s-t01002-1");
    auto missing = run({damocles_run(), "util", "task", dir / "nope.task"});
    CHECK(missing.exit_code != 0);
}

TEST_CASE("cli: util storage attach and list", "[cli]")
{
    ManagerFixture m("[[Miners]]\nActor = 1001\n");
    TempDir store("store");
    auto a = m.cli({"util", "storage", "attach", "--name", "disk-7", "--weight", "3", "--allow-miners", "1001,1002",
                    store.path()});
    INFO(a.err);
    REQUIRE(a.exit_code == 0);
    auto l = m.cli({"util", "storage", "list"});
    REQUIRE(l.exit_code == 0);
    CHECK(l.out.find("disk-7:\n\tPath: " + store.path() + "\n\tType: persist\n\tReadOnly: false\n\tWeight: 3\n") == 0);
    CHECK(l.out.find("\tUsedPercent: ") != std::string::npos);
    auto missing = m.cli({"util", "storage", "attach", "/nonexistent/path"});
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.find("is not a directory") != std::string::npos);
}
