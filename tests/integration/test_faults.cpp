// SPDX-License-Identifier: Apache-2.0
//
// Fault and load tests (issue 11): 200 queued sectors allocated by 8
// concurrent clients that hang up and crash at random, on SQLite and on
// PostgreSQL with two managers sharing the database; a manager killed
// (SIGKILL) and restarted while clients allocate, and the PostgreSQL server
// restarted; a persist store that fills up during persist. Each sector must be allocated to one client at a time,
// acknowledged once, and a re-allocation may only follow a lease expiry
// (checked on the managers' log timestamps). The figures measured are
// printed and appended to <build>/test-results/ops-figures.txt.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "load_clients.hpp"
#include "manager_fixture.hpp"
#include "ops_support.hpp"
#include "postgres_fixture.hpp"
#include "service/manager/manager_daemon.hpp"
#include "worker_fixture.hpp"

using namespace dmc::test;
using namespace dmc::test::ops;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr int kLeaseSeconds = 10; // the smallest [rebuild] lease_seconds the manager accepts

// The manager logs each allocation at info level; the test suite runs with
// DAMOCLES_LOG=warn, so managers started here ask for info.
struct ScopedEnv {
    ScopedEnv(const char *name, const char *value) : name_(name)
    {
        if (const char *old = std::getenv(name)) old_ = old;
        setenv(name, value, 1);
    }
    ~ScopedEnv()
    {
        if (old_)
            setenv(name_, old_->c_str(), 1);
        else
            unsetenv(name_);
    }
    const char *name_;
    std::optional<std::string> old_;
};

std::string manager_config(const std::string &registry_url)
{
    std::string cfg = "[[Miners]]\nActor = 1001\n\n[rebuild]\nlease_seconds = " + std::to_string(kLeaseSeconds) + "\n";
    if (!registry_url.empty()) cfg += "\n[registry]\nurl = \"" + registry_url + "\"\n";
    return cfg;
}

void queue_sectors(const ManagerFixture &m, uint64_t count)
{
    dmc::service::rpc::Client c(m.address(), m.token());
    json sectors = json::array();
    for (uint64_t n = 1; n <= count; ++n) sectors.push_back(paper_sector(1001, n));
    REQUIRE(c.call("Venus.SectorsImport", json::array({{{"sectors", sectors}}})).ok());
    for (uint64_t n = 1; n <= count; ++n) REQUIRE(c.call("Venus.SectorSetForRebuild", json::array({1001, n})).ok());
}

void record_figures(const std::string &line)
{
    std::printf("%s\n", line.c_str());
    std::ofstream(build_path("test-results/ops-figures.txt"), std::ios::app) << line << "\n";
}

// What every run must show, whatever went wrong on the way: every sector
// acknowledged once and offline; the queue empty; no sector held by two
// clients at once; every re-allocation (allocations logged beyond one per
// sector) at least a lease after the previous one, and no more of them than
// crashed clients plus calls that lost their answer; stale leases fenced.
struct Checked {
    uint64_t allocations = 0, reallocations = 0;
};

Checked check_outcome(const load::Outcome &out, const std::vector<ManagerFixture *> &managers, uint64_t sectors,
                      uint64_t lost_calls)
{
    CHECK(out.finalized == sectors);
    CHECK(out.double_holds == 0);
    CHECK(out.finalize_conflicts == 0);
    std::map<std::string, std::vector<int64_t>> allocs;
    for (auto *m : managers)
        for (auto &[id, times] : load::allocations_in_log(m->log()))
            allocs[id].insert(allocs[id].end(), times.begin(), times.end());
    Checked c;
    for (auto &[id, times] : allocs) {
        std::sort(times.begin(), times.end());
        c.allocations += times.size();
        for (size_t i = 1; i < times.size(); ++i) {
            INFO(id << " allocated again " << times[i] - times[i - 1] << " ms after the previous allocation");
            // Lease times are whole seconds: expired means > lease, so >= lease - 1 s of log clock.
            CHECK(times[i] - times[i - 1] >= (kLeaseSeconds - 1) * 1000);
        }
    }
    CHECK(allocs.size() == sectors);
    c.reallocations = c.allocations - allocs.size();
    uint64_t received = 0;
    for (const auto &[n, k] : out.received) received += static_cast<uint64_t>(k);
    CHECK(received == sectors + out.crashed.size());
    CHECK(c.reallocations >= out.crashed.size());
    CHECK(c.allocations - received <= lost_calls);

    dmc::service::rpc::Client client(managers.front()->address(), managers.front()->token());
    auto queue = client.call("Venus.RebuildQueue", json::array());
    REQUIRE(queue.ok());
    CHECK(queue->empty());
    auto listed = client.call("Venus.ListSectors", json::array({{{"online", true}}}));
    REQUIRE(listed.ok());
    CHECK(listed->empty());
    // A crashed client that comes back with its old lease is refused.
    for (const auto &l : out.crashed) {
        auto stale = client.call("Venus.ReportFinalized", json::array({1001, l.number, l.lease_id}));
        CHECK_FALSE(stale.ok());
    }
    return c;
}

void load_test(const std::string &backend, const std::vector<ManagerFixture *> &managers)
{
    constexpr uint64_t kSectors = 200;
    queue_sectors(*managers.front(), kSectors);
    load::Options o;
    for (auto *m : managers) o.homes.push_back(m->home());
    o.sectors = kSectors;
    o.clients = 8;
    o.hang_up_rate = 0.08;
    o.crash_rate = 0.03;
    o.misbehave_for = std::chrono::seconds(kLeaseSeconds / 2);
    auto out = load::run(o);
    auto c = check_outcome(out, managers, kSectors, out.hang_ups);
    // Throughput: the receipts before the first lease could expire (after
    // that the clients wait for leases of lost answers and crashes).
    size_t burst = 0;
    double burst_end = 0;
    for (double t : out.first_receipts)
        if (t < kLeaseSeconds) burst_end = std::max(burst_end, t), ++burst;
    record_figures(fmt::format(
        "load[{}, {} manager(s)]: {} sectors, {} clients: {} allocations = {} first + {} re-allocated after lease "
        "expiry ({} crashed clients, {} of {} hung-up calls had allocated), 0 held twice; {} sectors received in "
        "{:.2f} s ({:.0f} alloc+ack/s), all acknowledged in {:.1f} s",
        backend, managers.size(), kSectors, o.clients, c.allocations, kSectors, c.reallocations, out.crashed.size(),
        c.reallocations - out.crashed.size(), out.hang_ups, burst, burst_end, burst_end > 0 ? burst / burst_end : 0.0,
        out.total_seconds));
}

// Runs `disrupt` once a third of the sectors are acknowledged (a manager
// killed and restarted, the PostgreSQL server restarted) and lets the
// clients go on: nothing may be lost or held twice.
void disruption_test(const std::string &what, const std::vector<ManagerFixture *> &managers,
                     const std::function<void()> &disrupt)
{
    constexpr uint64_t kSectors = 120;
    queue_sectors(*managers.front(), kSectors);
    load::Options o;
    for (auto *m : managers) o.homes.push_back(m->home());
    o.sectors = kSectors;
    o.clients = 8;
    bool disrupted = false;
    double down_seconds = 0;
    o.on_progress = [&](uint64_t finalized) {
        if (disrupted || finalized < kSectors / 3) return;
        disrupted = true;
        auto t0 = std::chrono::steady_clock::now();
        disrupt();
        down_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    auto out = load::run(o);
    REQUIRE(disrupted);
    // Calls in flight at the disruption may have allocated before losing
    // their answer: at most one per client.
    auto c = check_outcome(out, managers, kSectors, static_cast<uint64_t>(o.clients));
    CHECK(out.crashed.empty());
    // An allocation committed just before the disruption lost its answer (and
    // maybe its log line): the clients then wait for its lease to expire.
    record_figures(fmt::format(
        "{}, {} manager(s): {} sectors, {} clients, disrupted at {} acknowledged, back in {:.2f} s; "
        "{} allocations logged ({} re-allocated after lease expiry), {} transport errors seen by clients, nothing "
        "lost; all acknowledged in {:.1f} s{}",
        what, managers.size(), kSectors, o.clients, kSectors / 3, down_seconds, c.allocations, c.reallocations,
        out.call_errors, out.total_seconds,
        out.total_seconds > kLeaseSeconds ? " (waited for the lease of an answer lost meanwhile)" : ""));
}

// Kills managers[victim] (SIGKILL) and restarts it.
void kill_test(const std::string &backend, const std::vector<ManagerFixture *> &managers, size_t victim)
{
    disruption_test("kill[" + backend + "]", managers, [&] {
        managers[victim]->kill9();
        managers[victim]->restart();
    });
}

} // namespace

TEST_CASE("faults: 200 sectors, 8 clients hanging up and crashing at random, SQLite: each allocated once",
          "[faults][load]")
{
    ScopedEnv info("DAMOCLES_LOG", "info");
    ManagerFixture m(manager_config(""), "load-sqlite");
    load_test("sqlite", {&m});
}

TEST_CASE("faults: 200 sectors, 8 clients, two managers on one PostgreSQL: each allocated once",
          "[faults][load][postgres]")
{
    DMC_POSTGRES_OR_SKIP(server);
    ScopedEnv info("DAMOCLES_LOG", "info");
    const std::string url = server->create_database("load");
    ManagerFixture a(manager_config(url), "load-pg-a");
    ManagerFixture b(manager_config(url), "load-pg-b");
    load_test("postgres", {&a, &b});
}

TEST_CASE("faults: the manager killed and restarted during allocation loses nothing (SQLite)", "[faults][kill]")
{
    ScopedEnv info("DAMOCLES_LOG", "info");
    ManagerFixture m(manager_config(""), "kill-sqlite");
    kill_test("sqlite", {&m}, 0);
}

TEST_CASE("faults: one of two PostgreSQL managers killed during allocation loses nothing", "[faults][kill][postgres]")
{
    DMC_POSTGRES_OR_SKIP(server);
    ScopedEnv info("DAMOCLES_LOG", "info");
    const std::string url = server->create_database("kill");
    ManagerFixture a(manager_config(url), "kill-pg-a");
    ManagerFixture b(manager_config(url), "kill-pg-b");
    kill_test("postgres", {&a, &b}, 1);
}

TEST_CASE("faults: the PostgreSQL server restarted during allocation: managers reconnect, nothing held twice or lost",
          "[faults][kill][postgres]")
{
    DMC_POSTGRES_OR_SKIP(server);
    ScopedEnv info("DAMOCLES_LOG", "info");
    const std::string url = server->create_database("restart");
    ManagerFixture a(manager_config(url), "restart-pg-a");
    ManagerFixture b(manager_config(url), "restart-pg-b");
    // Every pooled connection of both managers breaks; calls fail while the
    // server is down and succeed again once it is back.
    disruption_test("postgres restart", {&a, &b}, [&] {
        server->stop();
        std::this_thread::sleep_for(std::chrono::seconds(1));
        server->start();
    });
    for (ManagerFixture *m : {&a, &b}) {
        dmc::service::rpc::Client c(m->address(), m->token());
        CHECK(c.call("Venus.RebuildQueue", json::array()).ok());
    }
}

namespace {

// A small tmpfs mounted by the test (root only), unmounted at the end.
struct TmpfsMount {
    explicit TmpfsMount(const std::string &dir, const std::string &size) : dir_(dir)
    {
        fs::create_directories(dir);
        mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size + ",mode=0755").c_str()) == 0;
    }
    ~TmpfsMount()
    {
        if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    }
    std::string dir_;
    bool mounted_ = false;
};

uint64_t free_bytes(const std::string &dir)
{
    struct statvfs v;
    REQUIRE(::statvfs(dir.c_str(), &v) == 0);
    return static_cast<uint64_t>(v.f_bavail) * v.f_frsize;
}

// Every regular file under `dir`, relative path -> contents.
std::map<std::string, std::string> files_under(const std::string &dir)
{
    std::map<std::string, std::string> out;
    for (const auto &e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = slurp(e.path().string());
    return out;
}

// A persisted file equals the original sealed in `originals`, except t_aux,
// which names its own cache directory (as lotus writes it): it must name
// the store's instead, as often, and be otherwise as long.
bool same_file(const std::string &path, const std::string &got, const std::string &original, const std::string &store,
               const std::string &originals)
{
    if (fs::path(path).filename() != "t_aux") return got == original;
    auto count = [](const std::string &text, const std::string &what) {
        size_t n = 0;
        for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
        return n;
    };
    const size_t names = count(original, originals + "/cache/");
    return names > 0 && count(got, store + "/cache/") == names &&
           static_cast<int64_t>(got.size()) ==
               static_cast<int64_t>(original.size()) +
                   static_cast<int64_t>(names) *
                       (static_cast<int64_t>(store.size()) - static_cast<int64_t>(originals.size()));
}

} // namespace

TEST_CASE("faults: a store that fills up during persist leaves no partial file and the sector is retried",
          "[faults][store]")
{
    DMC_REQUIRE_ROOT();
    TempDir dir("store-full");
    const std::string store = dir / "store";
    TmpfsMount tmpfs(store, "256k");
    REQUIRE(tmpfs.mounted_);
    // The sector, sealed elsewhere: what the store must end up holding.
    const std::string originals = dir / "originals";
    json sector = seal_sector(1001, 7, originals, "store-a");
    const auto expected = files_under(originals);
    REQUIRE(expected.size() == 4); // sealed, p_aux, t_aux, tree-r-last

    ManagerFixture m("[[Miners]]\nActor = 1001\n\n[[Common.PersistStores]]\nName = \"store-a\"\nPath = \"" + store +
                     "\"\n");
    write_text(dir / "import.json", json{{"sectors", json::array({sector})}}.dump());
    REQUIRE(m.cli({"util", "sealer", "sectors", "import", dir / "import.json"}).exit_code == 0);

    // Leave two pages: the manager's reservation check (2 x 2KiB) passes,
    // the four files (a page each on tmpfs) do not fit.
    const std::string filler = store + "/filler";
    {
        std::ofstream f(filler, std::ios::binary);
        f << std::string(free_bytes(store) - 8192, '\0');
    }
    REQUIRE(free_bytes(store) == 8192);

    WorkerSpec spec;
    spec.stores = {{"store-a", store}};
    spec.parent_cache = parent_cache_dir();
    WorkerFixture w(m, spec, dir);
    w.start();
    REQUIRE(m.cli({"util", "sealer", "sectors", "rebuild", "1001", "7"}).exit_code == 0);
    REQUIRE(wait_until([&] { return w.log().find("No space left on device") != std::string::npos; },
                       std::chrono::seconds(60)));
    const std::string log = w.log();
    CHECK(log.find("temp error occurred") != std::string::npos);

    // No partial file: nothing under a temporary name, every file present is
    // complete, and the replica (written last) is absent.
    auto now = files_under(store);
    now.erase("filler");
    for (const auto &[path, contents] : now) {
        INFO(path);
        CHECK(path.find(".tmp-") == std::string::npos);
        REQUIRE(expected.count(path));
        CHECK(same_file(path, contents, expected.at(path), store, originals));
    }
    CHECK_FALSE(now.count("sealed/s-t01001-7"));

    // Space comes back: the next retry persists everything.
    fs::remove(filler);
    dmc::service::rpc::Client c(m.address(), m.token());
    REQUIRE(wait_until(
        [&] {
            auto s = c.call("Venus.FindSectorInAllStates", json::array({1001, 7}));
            return s.ok() && !(*s)["online"].get<bool>() && !(*s)["need_rebuild"].get<bool>();
        },
        std::chrono::seconds(60)));
    now = files_under(store);
    CHECK(now.size() == expected.size());
    for (const auto &[path, contents] : expected) {
        INFO(path);
        REQUIRE(now.count(path));
        CHECK(same_file(path, now.at(path), contents, store, originals));
    }
    // (The worker counts the end just after the manager records it.)
    std::string text;
    CHECK(wait_until(
        [&] {
            text = scrape(w.address());
            return counter(text, "dmc_rebuilds_total{outcome=\"finished\"}") == 1;
        },
        std::chrono::seconds(10)));
    CHECK(counter(text, "dmc_rebuilds_total{outcome=\"retried\"}") >= 1);
    CHECK(counter(text, "dmc_stage_duration_seconds_count{stage=\"persist\",outcome=\"error\"}") >= 1);
}

TEST_CASE("faults: `daemon run --db postgres://…` makes managers share one registry", "[faults][postgres]")
{
    DMC_POSTGRES_OR_SKIP(server);
    const std::string url = server->create_database("db_flag");
    ManagerFixture a(manager_config(url), "db-flag-a");
    // The second manager names the registry on its command line only, with
    // a password that must not reach its log.
    TempDir dir("db-flag-b");
    const std::string home = dir / "home";
    fs::create_directories(home);
    write_text(home + "/config.toml", manager_config(""));
    std::string with_password = url;
    with_password.replace(with_password.find("postgres@"), 9, "postgres:s3cret@");
    RunOptions env;
    env.env = {{"DAMOCLES_LOG", "info"}};
    Background b(
        {damocles_manager(), "--home", home, "daemon", "run", "--listen", "127.0.0.1:0", "--db", with_password}, env,
        dir / "manager.log");
    REQUIRE(wait_until([&] { return fs::exists(home + "/api") || !b.running(); }, std::chrono::seconds(20)));
    REQUIRE(b.running());
    queue_sectors(a, 3);
    auto ep = dmc::service::read_manager_endpoint(home);
    REQUIRE(ep.ok());
    dmc::service::rpc::Client cb(ep->address, ep->token);
    auto queue = cb.call("Venus.RebuildQueue", json::array());
    REQUIRE(queue.ok());
    CHECK(queue->size() == 3);
    CHECK_FALSE(fs::exists(home + "/registry.db"));
    const std::string log = slurp(dir / "manager.log");
    CHECK(log.find("postgres:***@127.0.0.1") != std::string::npos);
    CHECK(log.find("s3cret") == std::string::npos);
    b.stop();
}
