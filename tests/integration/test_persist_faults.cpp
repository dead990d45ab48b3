// SPDX-License-Identifier: Apache-2.0
//
// Faults of a worker's own disk work, on 2KiB sectors rebuilt through a
// manager and a worker on loopback:
//  * kill -9 in the middle of persist, with the store on the worker's
//    filesystem (files hard-linked into place) and on another one (copied):
//    the restarted worker still has every file it needs, checks the sector
//    again and persists it completely, byte-identical, leaving no temporary;
//  * ENOSPC while PC1 writes a layer (a small tmpfs, root only): the task
//    pauses with a clear error, and after space is freed `resume` finishes it
//    byte-identical;
//  * a parent cache corrupted while the worker runs: caught by its digest
//    before the next PC1, regenerated, and the rebuild goes on.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sys/mount.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "manager_fixture.hpp"
#include "ops_support.hpp"
#include "skip.hpp"
#include "worker_fixture.hpp"

using namespace dmc::test;
using namespace dmc::test::ops;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A manager with miner 1002 and persist store "store-a" at `store`, sectors
// sealed into it (the originals kept aside), imported, then lost.
struct Farm {
    TempDir dir{"persist-faults"};
    std::string store, originals = dir / "originals";
    std::unique_ptr<ManagerFixture> manager;

    explicit Farm(const std::string &store_path = "") : store(store_path.empty() ? dir / "store" : store_path)
    {
        fs::create_directories(store);
        manager = std::make_unique<ManagerFixture>(
            "[[Miners]]\nActor = 1002\n\n[[Common.PersistStores]]\nName = \"store-a\"\nPath = \"" + store + "\"\n");
    }

    static std::string id(uint64_t n) { return "s-t01002-" + std::to_string(n); }

    void seal_import_lose(uint64_t n)
    {
        json sector = seal_sector(1002, n, originals, "store-a");
        write_text(dir / "import.json", json{{"sectors", json::array({sector})}}.dump());
        REQUIRE(manager->cli({"util", "sealer", "sectors", "import", dir / "import.json"}).exit_code == 0);
    }

    WorkerSpec spec(const std::string &parent_cache = parent_cache_dir()) const
    {
        WorkerSpec s;
        s.stores = {{"store-a", store}};
        s.parent_cache = parent_cache;
        return s;
    }

    bool finished(uint64_t n) const
    {
        dmc::service::rpc::Client c(manager->address(), manager->token());
        auto s = c.call("Venus.FindSectorInAllStates", json::array({1002, n}));
        return s.ok() && !(*s)["need_rebuild"].get<bool>() && !(*s)["online"].get<bool>();
    }

    // Every file of the sector in the store equals the original, and the
    // store holds nothing else for it (no temporary left behind).
    void check_identical(uint64_t n) const
    {
        INFO(id(n));
        CHECK(slurp(store + "/sealed/" + id(n)) == slurp(originals + "/sealed/" + id(n)));
        std::vector<std::string> names;
        for (const auto &e : fs::directory_iterator(store + "/cache/" + id(n))) {
            const std::string name = e.path().filename().string();
            names.push_back(name);
            INFO(name);
            if (name != "t_aux") CHECK(slurp(e.path()) == slurp(originals + "/cache/" + id(n) + "/" + name));
        }
        std::sort(names.begin(), names.end());
        CHECK(names == std::vector<std::string>{"p_aux", "sc-02-data-tree-r-last.dat", "t_aux"});
        for (const auto &e : fs::directory_iterator(store + "/sealed")) {
            const std::string name = e.path().filename().string();
            INFO(name);
            CHECK((name.find(".tmp-") == std::string::npos && name.find(".link-") == std::string::npos));
        }
    }
};

// Files named `name` anywhere under `root`.
std::vector<std::string> find_named(const std::string &root, const std::string &name)
{
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
        if (it->path().filename() == name) out.push_back(it->path().string());
    return out;
}

bool device_differs(const std::string &a, const std::string &b)
{
    struct stat sa {
    }, sb{};
    return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev != sb.st_dev;
}

// A tmpfs mounted for the test (root only), unmounted at the end.
struct TmpfsMount {
    TmpfsMount(const std::string &at, const std::string &size) : at_(at)
    {
        fs::create_directories(at);
        mounted = ::mount("tmpfs", at.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
    }
    ~TmpfsMount()
    {
        if (mounted) ::umount2(at_.c_str(), MNT_DETACH);
    }
    std::string at_;
    bool mounted = false;
};

// Kills the worker at `failpoint` during the persist of sector 1, checks
// what the kill left, restarts it and checks the sector came out whole.
void kill_in_persist_then_restart(Farm &farm, const std::string &failpoint, bool replica_expected_in_store)
{
    farm.seal_import_lose(1);
    WorkerFixture w(*farm.manager, farm.spec(), farm.dir);
    w.start({{"DAMOCLES_FAILPOINTS", failpoint}});
    REQUIRE(farm.manager->cli({"util", "sealer", "sectors", "rebuild", "1002", "1"}).exit_code == 0);
    REQUIRE(wait_until([&] { return !w.running(); }, std::chrono::seconds(90)));
    INFO(w.log());
    REQUIRE(w.log().find("failpoint " + failpoint.substr(0, failpoint.find('=')) + " -> kill") != std::string::npos);
    // Killed in the middle: part of the sector is in the store, and every
    // source is still in the worker's work directory.
    CHECK(fs::exists(farm.store + "/cache/" + Farm::id(1) + "/p_aux"));
    CHECK(fs::exists(farm.store + "/sealed/" + Farm::id(1)) == replica_expected_in_store);
    for (const char *name : {"sc-02-data-tree-r-last.dat", "p_aux", "sc-02-data-layer-2.dat"}) {
        INFO(name);
        CHECK(find_named(w.location(0), name).size() == 1);
    }
    CHECK(find_named(w.location(0), "sealed").size() == 1); // the work copy of the replica

    w.start();
    REQUIRE(wait_until([&] { return farm.finished(1); }, std::chrono::seconds(90)));
    const std::string log = w.log();
    CHECK(log.find("comm_r_check runs again before persist") != std::string::npos);
    CHECK(log.find("check_sealed runs again before persist") != std::string::npos);
    farm.check_identical(1);
}

} // namespace

TEST_CASE("faults: kill -9 in the middle of persist, store on the same filesystem (linked into place)",
          "[faults][persist]")
{
    Farm farm;
    kill_in_persist_then_restart(farm, "persist.placed:p_aux=kill", false);
}

TEST_CASE("faults: kill -9 in the middle of a persist copy, store on another filesystem", "[faults][persist]")
{
    // /dev/shm is another filesystem on most machines; as root a tmpfs is
    // mounted otherwise.
    TempDir probe("persist-copy");
    std::unique_ptr<TmpfsMount> mount;
    std::string store_fs;
    if (fs::is_directory("/dev/shm") && device_differs("/dev/shm", probe.path()) && ::access("/dev/shm", W_OK) == 0) {
        store_fs = "/dev/shm/dmc-persist-copy-" + std::to_string(::getpid());
    } else if (is_root()) {
        mount = std::make_unique<TmpfsMount>(probe / "store-fs", "64m");
        REQUIRE(mount->mounted);
        store_fs = mount->at_ + "/stores";
    } else {
        DMC_SKIP("no second filesystem: /dev/shm is missing or on the same device, and mounting a tmpfs needs root");
    }
    struct Cleanup {
        std::string path;
        ~Cleanup()
        {
            std::error_code ec;
            fs::remove_all(path, ec);
        }
    } cleanup{store_fs};
    Farm farm(store_fs + "/store");
    REQUIRE(device_differs(farm.store, farm.dir.path()));
    // Half of the replica copied when the worker dies: a temporary is left.
    kill_in_persist_then_restart(farm, "persist.copying:" + Farm::id(1) + "=kill", false);
}

TEST_CASE("faults: ENOSPC while PC1 writes a layer pauses the task; resume after freeing space is byte-identical",
          "[faults][enospc]")
{
    DMC_REQUIRE_ROOT();
    Farm farm;
    farm.seal_import_lose(1);
    WorkerFixture w(*farm.manager, farm.spec(), farm.dir);
    // The thread's work directory on a small filesystem of its own; after
    // layer 1 the failpoint fills it, so writing layer 2 meets ENOSPC.
    TmpfsMount small(w.location(0), "4m");
    REQUIRE(small.mounted);
    w.start({{"DAMOCLES_FAILPOINTS", "pc1.layer:1=fill-disk"}});
    REQUIRE(farm.manager->cli({"util", "sealer", "sectors", "rebuild", "1002", "1"}).exit_code == 0);
    REQUIRE(w.wait_thread(
        0, [](const json &t) { return t["paused"].get<bool>(); }, 90));
    const std::string err = w.threads()[0]["last_err"];
    INFO(err);
    CHECK(err.rfind("permanent: ", 0) == 0);
    // Writing layer 2 (or the record saying it is written) met the full disk.
    CHECK_THAT(err, Catch::StartsWith("permanent: pc1: ") && Catch::Contains(std::strerror(ENOSPC)) &&
                        Catch::Contains("out of space: free some, then `damocles-worker worker resume --index 0`"));
    // Paused at once (no retry can help), with layer 1 kept.
    CHECK(w.log().find("temp error occurred") == std::string::npos);
    CHECK(find_named(w.location(0), "sc-02-data-layer-1.dat").size() == 1);

    const auto ballast = find_named(w.location(0), "dmc-ballast");
    REQUIRE(ballast.size() == 1);
    fs::remove(ballast.front());
    auto resumed = w.cli({"resume", "--index", "0"});
    CHECK(resumed.out == "#0 worker resume done=true\n");
    REQUIRE(wait_until([&] { return farm.finished(1); }, std::chrono::seconds(90)));
    CHECK(w.log().find("PC1 resumes at layer 2") != std::string::npos);
    farm.check_identical(1);
}

TEST_CASE("faults: a parent cache corrupted while the worker runs is caught by its digest and regenerated",
          "[faults][parent-cache]")
{
    Farm farm;
    farm.seal_import_lose(1);
    farm.seal_import_lose(2);
    TempDir caches("parents-corrupt"); // this test's own cache: the shared one stays intact
    WorkerFixture w(*farm.manager, farm.spec(caches.path()), farm.dir);
    w.start();
    REQUIRE(farm.manager->cli({"util", "sealer", "sectors", "rebuild", "1002", "1"}).exit_code == 0);
    REQUIRE(wait_until([&] { return farm.finished(1); }, std::chrono::seconds(90)));
    std::vector<std::string> cache_files;
    for (const auto &e : fs::directory_iterator(caches.path()))
        if (e.path().extension() == ".cache") cache_files.push_back(e.path().string());
    REQUIRE(cache_files.size() == 1);
    const std::string good = slurp(cache_files.front());
    {
        std::fstream f(cache_files.front(), std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(static_cast<std::streamoff>(good.size() / 2));
        f.put(static_cast<char>(good[good.size() / 2] ^ 0x5a));
    }
    REQUIRE(slurp(cache_files.front()) != good);

    REQUIRE(farm.manager->cli({"util", "sealer", "sectors", "rebuild", "1002", "2"}).exit_code == 0);
    REQUIRE(wait_until([&] { return farm.finished(2); }, std::chrono::seconds(90)));
    INFO(w.log());
    CHECK(w.log().find("parent cache " + cache_files.front() + " is corrupt") != std::string::npos);
    CHECK(slurp(cache_files.front()) == good);
    farm.check_identical(2);
}
