// SPDX-License-Identifier: Apache-2.0
//
// SnapDeals end to end: `seal --snap` reproduces the update of the real
// devnet sector (vector snap_2kib_update_of_lotus_devnet_sector), and snap
// sectors are rebuilt through manager + worker (2KiB and 8MiB): the CC
// replica is rebuilt and checked against the old CommR, the new data
// encoded, comm_r_new checked against the registry before anything is
// persisted, and only update/ + update-cache/ are written, byte-identical.
#include <catch2/catch.hpp>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "damocles/sdk/cid.hpp"
#include "damocles/sdk/sha254.hpp"
#include "manager_fixture.hpp"
#include "service/rpc/json_rpc.hpp"
#include "vectors.hpp"
#include "worker_fixture.hpp"

using namespace dmc::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char *kTicket = "c3a1ca12b981a8a59f9a4764edf3398edd239b2afa8ca2bbd57e0091ec193aa0";

std::string parent_cache_dir()
{
    static TempDir dir("parents-snap");
    return dir.path();
}

std::string hex_of_file(const std::string &path)
{
    std::string b = slurp(path);
    return dmc::to_hex(std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(b.data()), b.size()));
}

std::string sha256_of_file(const std::string &path)
{
    std::string b = slurp(path);
    return dmc::to_hex(dmc::sha256(std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(b.data()), b.size())));
}

json seal_snap(const std::string &proof, uint64_t sector, const std::string &piece, const std::string &out)
{
    auto r = run({damocles_run(), "seal", "--snap", "--piece", piece, "--proof", proof, "--miner", "1002", "--sector",
                  std::to_string(sector), "--ticket", kTicket, "--out", out, "--parent-cache", parent_cache_dir(),
                  "--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
}

} // namespace

TEST_CASE("snap: seal --snap reproduces the 2KiB update of the devnet sector", "[snap]")
{
    TempDir dir("snap-devnet");
    std::string data;
    for (int i = 0; i < 2032; ++i) data.push_back(static_cast<char>(i % 256));
    write_text(dir / "new.bin", data);
    auto j = seal_snap("StackedDrg2KiBV1_1", 1, dir / "new.bin", dir / "store");
    const auto &vec = use_vector("poseidon", "snap_2kib_update_of_lotus_devnet_sector");
    const auto &e = vec["expected"];
    CHECK(j["comm_r"] == "bagboea4b5abcbnym7z3pgc64fk5wwsk3nsmz62jamgaa3pekzelmm3fv5q6g6zji"); // comm_r_old
    CHECK(dmc::to_hex(*dmc::cid_to_commitment(j["comm_d_new"].get<std::string>(), dmc::CommitmentKind::unsealed)) ==
          e["comm_d_new_le_hex"]);
    CHECK(dmc::to_hex(*dmc::cid_to_commitment(j["comm_r_new"].get<std::string>(), dmc::CommitmentKind::sealed)) ==
          e["comm_r_new_le_hex"]);
    CHECK(sha256_of_file(dir / "store/update/s-t01002-1") == e["new_replica_sha256"]);
    CHECK(hex_of_file(dir / "store/update-cache/s-t01002-1/p_aux") == e["p_aux_new_hex"]);
    CHECK(j["sector"]["snap"]["comm_r_new"] == j["comm_r_new"]);
    CHECK(fs::exists(dir / "store/sealed/s-t01002-1")); // the sector key stays
}

namespace {

struct SnapRebuild {
    TempDir dir{"snap-rebuild"};
    std::string store = dir / "store";
    std::unique_ptr<ManagerFixture> manager;
    json sealed;

    SnapRebuild(const std::string &proof, uint64_t data_bytes, const std::string &registered_comm_r_new = "")
    {
        fs::create_directories(store);
        manager = std::make_unique<ManagerFixture>("[[Miners]]\nActor = 1002\n\n[[Common.PersistStores]]\nName = "
                                                   "\"store-a\"\nPath = \"" +
                                                   store + "\"\n");
        std::string data;
        for (uint64_t i = 0; i < data_bytes; ++i) data.push_back(static_cast<char>((i * 31 + 7) & 0xff));
        write_text(dir / "new.bin", data);
        sealed = seal_snap(proof, 1, dir / "new.bin", store);
        json sector = sealed["sector"];
        sector["store"] = "store-a";
        if (!registered_comm_r_new.empty()) sector["snap"]["comm_r_new"] = registered_comm_r_new;
        write_text(dir / "import.json", json{{"sectors", json::array({sector})}}.dump());
        REQUIRE(manager->cli({"util", "sealer", "sectors", "import", dir / "import.json"}).exit_code == 0);
        for (const char *d : {"update", "sealed"})
            fs::copy_file(store + "/" + d + "/s-t01002-1", dir / (std::string(d) + ".orig"));
        fs::copy(store + "/update-cache/s-t01002-1", dir / "update-cache.orig");
        // The disk died: every file of the sector is gone.
        for (const char *d : {"sealed/", "cache/", "update/", "update-cache/"})
            fs::remove_all(store + "/" + d + "s-t01002-1");
    }

    WorkerSpec spec() const
    {
        WorkerSpec s;
        s.stores = {{"store-a", store}};
        s.parent_cache = parent_cache_dir();
        return s;
    }

    json state() const
    {
        dmc::service::rpc::Client c(manager->address(), manager->token());
        auto r = c.call("Venus.FindSectorInAllStates", json::array({1002, 1}));
        REQUIRE(r.ok());
        return *r;
    }
};

void rebuild_and_check(const std::string &proof, uint64_t data_bytes)
{
    SnapRebuild s(proof, data_bytes);
    WorkerFixture w(*s.manager, s.spec(), s.dir);
    w.start();
    REQUIRE(s.manager->cli({"util", "sealer", "sectors", "rebuild", "1002", "1"}).exit_code == 0);
    REQUIRE(wait_until([&] { return !s.state()["need_rebuild"].get<bool>(); }, std::chrono::seconds(120)));
    INFO(w.log());
    CHECK(slurp(s.store + "/update/s-t01002-1") == slurp(s.dir / "update.orig"));
    for (const auto &f : fs::directory_iterator(s.dir / "update-cache.orig"))
        CHECK(slurp(s.store + "/update-cache/s-t01002-1/" + f.path().filename().string()) == slurp(f.path()));
    // As damocles: only update/ and update-cache/ are persisted for a snap sector.
    CHECK_FALSE(fs::exists(s.store + "/sealed/s-t01002-1"));
    CHECK_FALSE(fs::exists(s.store + "/cache/s-t01002-1"));
    auto st = s.state();
    CHECK(st["finalized"] == true);
    CHECK(st["upgraded"] == true);
    CHECK(st["latest"]["next"] == "Finished");
}

} // namespace

TEST_CASE("snap: a 2KiB snap sector is rebuilt through manager + worker", "[snap]")
{
    rebuild_and_check("StackedDrg2KiBV1_1", 2032);
}

TEST_CASE("snap: an 8MiB snap sector is rebuilt through manager + worker", "[snap]")
{
    rebuild_and_check("StackedDrg8MiBV1_1", 3000000);
}

TEST_CASE("snap: a wrong registered comm_r_new fails the sector with both values, nothing persisted", "[snap]")
{
    const std::string wrong = "bagboea4b5abcaqbaugeaembi6mqugvhxo6htb4bjf57nxje5xnvandpsahy2rxbb";
    SnapRebuild s("StackedDrg2KiBV1_1", 2032, wrong);
    WorkerFixture w(*s.manager, s.spec(), s.dir);
    w.start();
    REQUIRE(s.manager->cli({"util", "sealer", "sectors", "rebuild", "1002", "1"}).exit_code == 0);
    REQUIRE(w.wait_thread(
        0, [](const json &t) { return t["paused"].get<bool>(); }, 60));
    std::string err = w.threads()[0]["last_err"];
    INFO(err);
    CHECK(err.find("comm_r_new mismatch: rebuilt " + s.sealed["comm_r_new"].get<std::string>() + ", registered " +
                   wrong) != std::string::npos);
    CHECK_FALSE(fs::exists(s.store + "/update/s-t01002-1"));
    CHECK_FALSE(fs::exists(s.store + "/update-cache/s-t01002-1"));
    auto st = s.state();
    // Abort keeps the snap info (damocles R2 wipes it): the sector can be queued again.
    CHECK(st["sector"]["snap"]["comm_r_new"] == wrong);
    CHECK(st["upgraded"] == true);
    CHECK(s.manager->cli({"util", "sealer", "sectors", "rebuild", "1002", "1"}).exit_code == 0);
}
