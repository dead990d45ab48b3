// SPDX-License-Identifier: Apache-2.0
//
// Sealing threads with `batch = N` (docs/architecture.md §8.5) against a real
// manager on loopback, on 2KiB sectors: allocation of up to N sectors of the
// first lease's proof type, a lost store rebuilt in batches through fused PC1
// runs with files byte-identical to the original seal, a kill -9 during the
// batch's PC1 resumed sector by sector from the batch file, one sector whose
// CommR check fails aborted alone while the others finish, and one whose
// piece is missing kept and retried alone; with overlap = true, the
// companion thread leasing and labelling the next batch while the first
// batch builds its trees.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "manager_fixture.hpp"
#include "ops_support.hpp"
#include "worker_fixture.hpp"

using namespace dmc::test;
using namespace dmc::test::ops;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char *kOtherCommR = "bagboea4b5abcaqbaugeaembi6mqugvhxo6htb4bjf57nxje5xnvandpsahy2rxbb";

// A manager with miner 1002 and store "store-a" at <dir>/store.
struct BatchSetup {
    TempDir dir{"batch-it"};
    std::string store = dir / "store", originals = dir / "originals";
    std::unique_ptr<ManagerFixture> manager;

    BatchSetup()
    {
        fs::create_directories(store);
        fs::create_directories(originals);
        manager = std::make_unique<ManagerFixture>(
            "[[Miners]]\nActor = 1002\n\n[[Common.PersistStores]]\nName = \"store-a\"\nPath = \"" + store + "\"\n");
    }

    WorkerSpec spec(uint32_t batch, size_t threads = 1) const
    {
        WorkerSpec s;
        s.plans.assign(threads, "rebuild");
        s.stores = {{"store-a", store}};
        s.parent_cache = parent_cache_dir();
        s.thread_toml = "batch = " + std::to_string(batch) + "\n";
        return s;
    }

    static std::string id(uint64_t n) { return "s-t01002-" + std::to_string(n); }

    void import(const json &sectors)
    {
        write_text(dir / "import.json", json{{"sectors", sectors}}.dump());
        auto imp = manager->cli({"util", "sealer", "sectors", "import", dir / "import.json"});
        INFO(imp.err);
        REQUIRE(imp.exit_code == 0);
    }

    // Seals CC sectors 1..count offline (what a single rebuild reproduces,
    // tests/integration/test_worker.cpp), keeps their files, imports them
    // (sector `wrong_comm_r` with another CommR) and loses the store.
    void seal_import_lose(uint64_t count, uint64_t wrong_comm_r = 0)
    {
        json sectors = json::array();
        for (uint64_t n = 1; n <= count; ++n) {
            json sector = piece_of.count(n) ? seal_deal(n, piece_of.at(n)) : seal_sector(1002, n, store, "store-a");
            if (n == wrong_comm_r) sector["comm_r"] = kOtherCommR;
            sectors.push_back(sector);
        }
        import(sectors);
        for (uint64_t n = 1; n <= count; ++n) {
            originals_[n] = snapshot(n);
            REQUIRE(originals_[n].size() > 1);
            fs::remove_all(store + "/sealed/" + id(n));
            fs::remove_all(store + "/cache/" + id(n));
        }
    }

    // Sector n sealed with `piece` as its data (recorded source: the file).
    json seal_deal(uint64_t n, const std::string &piece) const
    {
        auto r = run({damocles_run(), "seal", "--proof", "StackedDrg2KiBV1_1", "--miner", "1002", "--sector",
                      std::to_string(n), "--ticket", kTicket, "--piece", piece, "--out", store, "--parent-cache",
                      parent_cache_dir(), "--json"});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        json sector = json::parse(r.out)["sector"];
        sector["store"] = "store-a";
        return sector;
    }

    // The sealed file and every cache file of sector n, by relative path.
    std::map<std::string, std::string> snapshot(uint64_t n) const
    {
        std::map<std::string, std::string> files;
        const fs::path sealed = fs::path(store) / "sealed" / id(n);
        if (fs::is_regular_file(sealed)) files["sealed"] = slurp(sealed);
        const fs::path cache = fs::path(store) / "cache" / id(n);
        if (fs::is_directory(cache))
            for (const auto &f : fs::directory_iterator(cache))
                files["cache/" + f.path().filename().string()] = slurp(f.path());
        return files;
    }
    bool identical(uint64_t n) const { return snapshot(n) == originals_.at(n); }

    json state(uint64_t n) const
    {
        dmc::service::rpc::Client c(manager->address(), manager->token());
        auto r = c.call("Venus.FindSectorInAllStates", json::array({1002, n}));
        REQUIRE(r.ok());
        return *r;
    }
    bool finished(uint64_t n) const
    {
        auto s = state(n);
        return !s["need_rebuild"].get<bool>() && s["finalized"].get<bool>() && !s["online"].get<bool>();
    }
    bool all_finished(uint64_t count) const
    {
        for (uint64_t n = 1; n <= count; ++n)
            if (!finished(n)) return false;
        return true;
    }
    json queue() const
    {
        dmc::service::rpc::Client c(manager->address(), manager->token());
        auto r = c.call("Venus.RebuildQueue", json::array());
        REQUIRE(r.ok());
        return *r;
    }

    std::map<uint64_t, std::string> piece_of; // deal sectors: their piece file

private:
    std::map<uint64_t, std::map<std::string, std::string>> originals_;
};

// Whether the avx512 plugin (the pc1 stage that labels several sectors in
// one call) is usable here; otherwise every PC1 runs alone.
bool multi_sector_pc1() { return plugin_usable("avx512"); }

double stage_runs(const std::string &metrics, const std::string &stage)
{
    return counter(metrics, "dmc_stage_duration_seconds_count{stage=\"" + stage + "\",outcome=\"ok\"}");
}

} // namespace

TEST_CASE("batch rebuild: batch = 4 leases up to 4 queued sectors of the first lease's proof type", "[batch]")
{
    BatchSetup s;
    // Queue order 1, 2, 3, 4, 5 with two proof types: 1, 3, 4 are V1_1, 2 and
    // 5 V1. Never sealed: the leases are what is checked, while add_pieces sleeps.
    json sectors = json::array();
    for (uint64_t n = 1; n <= 5; ++n) {
        json sector = paper_sector(1002, n);
        if (n == 2 || n == 5) sector["proof"] = "StackedDrg2KiBV1";
        sectors.push_back(sector);
    }
    s.import(sectors);
    auto queued = s.manager->cli({"util", "sealer", "sectors", "rebuild", "--range", "1-5", "1002"});
    INFO(queued.out << queued.err);
    REQUIRE(queued.exit_code == 0);

    WorkerFixture w(*s.manager, s.spec(4, 2), s.dir);
    w.start({{"DAMOCLES_FAILPOINTS", "before:add_pieces=sleep:20000"}});
    json q;
    REQUIRE(wait_until(
        [&] {
            q = s.queue();
            for (const auto &e : q)
                if (e["lease_worker"].get<std::string>().empty()) return false;
            return q.size() == 5;
        },
        std::chrono::seconds(30)));
    INFO(q.dump(1));
    // One lease round per thread: {1, 3, 4} (V1_1, fewer than 4 queued) and
    // {2, 5} (V1), whichever thread asked first.
    std::map<std::string, std::set<uint64_t>> by_thread;
    for (const auto &e : q) by_thread[e["lease_location"]].insert(e["number"].get<uint64_t>());
    CHECK(by_thread.size() == 2);
    std::set<std::set<uint64_t>> groups;
    for (const auto &[location, numbers] : by_thread) groups.insert(numbers);
    CHECK(groups == std::set<std::set<uint64_t>>{{1, 3, 4}, {2, 5}});
    // Each thread keeps its batch's leases for a restart (complete once its run starts and says so).
    REQUIRE(wait_until(
        [&] {
            const std::string log = w.log();
            return log.find("batch of 3 sector(s)") != std::string::npos &&
                   log.find("batch of 2 sector(s)") != std::string::npos;
        },
        std::chrono::seconds(30)));
    for (size_t i = 0; i < 2; ++i) {
        auto batch = json::parse(slurp(w.location(i) + "/data/batch.json"));
        CHECK(batch["leases"].size() == by_thread[w.location(i)].size());
    }
    w.kill9();
}

TEST_CASE("batch rebuild: the thread's hot config overrides its batch", "[batch]")
{
    BatchSetup s;
    json sectors = json::array();
    for (uint64_t n = 1; n <= 3; ++n) sectors.push_back(paper_sector(1002, n));
    s.import(sectors);
    REQUIRE(s.manager->cli({"util", "sealer", "sectors", "rebuild", "--range", "1-3", "1002"}).exit_code == 0);
    WorkerFixture w(*s.manager, s.spec(4), s.dir);
    write_text(w.location(0) + "/config.toml", "plan = \"rebuild\"\nbatch = 2\n");
    w.start({{"DAMOCLES_FAILPOINTS", "before:add_pieces=sleep:20000"}});
    // The batch is complete once its run starts (and says so).
    REQUIRE(wait_until([&] { return w.log().find("batch of 2 sector(s)") != std::string::npos; },
                       std::chrono::seconds(30)));
    std::set<uint64_t> leased;
    for (const auto &e : s.queue())
        if (!e["lease_worker"].get<std::string>().empty()) leased.insert(e["number"].get<uint64_t>());
    CHECK(leased == std::set<uint64_t>{1, 2});
    CHECK(w.log().find("plan = rebuild, batch = 2") != std::string::npos);
    w.kill9();
}

TEST_CASE("batch rebuild: a lost store queued with --store is rebuilt in batches of 3, byte-identical", "[batch]")
{
    BatchSetup s;
    s.seal_import_lose(4);
    auto queued = s.manager->cli({"util", "sealer", "sectors", "rebuild", "--store", "store-a"});
    INFO(queued.err);
    REQUIRE(queued.exit_code == 0);
    CHECK(queued.out == "s-t01002-1: queued\ns-t01002-2: queued\ns-t01002-3: queued\ns-t01002-4: queued\n");

    WorkerFixture w(*s.manager, s.spec(3), s.dir);
    w.start();
    REQUIRE(wait_until([&] { return s.all_finished(4); }, std::chrono::seconds(120)));
    for (uint64_t n = 1; n <= 4; ++n) {
        INFO(n);
        CHECK(s.identical(n));
        CHECK(s.state(n)["abort_reason"] == "");
    }
    const std::string log = w.log();
    CHECK(log.find("batch of 3 sector(s)") != std::string::npos);
    CHECK(log.find("batch of 1 sector(s)") != std::string::npos);
    // Two PC1 runs (3 sectors fused, then 1) but a tree_c per sector, as the
    // worker's own stage counters say.
    std::string metrics;
    REQUIRE(wait_until(
        [&] {
            metrics = scrape(w.address());
            return counter(metrics, "dmc_rebuilds_total{outcome=\"finished\"}") == 4;
        },
        std::chrono::seconds(10)));
    CHECK(stage_runs(metrics, "pc1") == (multi_sector_pc1() ? 2 : 4));
    CHECK(stage_runs(metrics, "tree_c") == 4);
    CHECK(stage_runs(metrics, "persist") == 4);
    REQUIRE(w.wait_thread(0, [](const json &t) { return t["state"] == "Empty"; }));
    CHECK_FALSE(fs::exists(w.location(0) + "/data/batch.json"));
}

TEST_CASE("batch rebuild: kill -9 during the batch's PC1, every sector resumes and ends byte-identical", "[batch]")
{
    BatchSetup s;
    s.seal_import_lose(3);
    REQUIRE(s.manager->cli({"util", "sealer", "sectors", "rebuild", "--store", "store-a"}).exit_code == 0);
    WorkerFixture w(*s.manager, s.spec(3), s.dir);
    // The first sector's first layer is durable when the worker dies.
    w.start({{"DAMOCLES_FAILPOINTS", "pc1.layer:1=kill"}});
    REQUIRE(wait_until([&] { return !w.running(); }, std::chrono::seconds(60)));
    const std::string batch_file = w.location(0) + "/data/batch.json";
    REQUIRE(fs::exists(batch_file));
    CHECK(json::parse(slurp(batch_file))["leases"].size() == 3);
    for (uint64_t n = 1; n <= 3; ++n) CHECK(s.state(n)["online"] == true);

    w.start();
    REQUIRE(wait_until([&] { return s.all_finished(3); }, std::chrono::seconds(120)));
    for (uint64_t n = 1; n <= 3; ++n) {
        INFO(n);
        CHECK(s.identical(n));
    }
    const std::string log = w.log();
    CHECK(log.find("batch of 3 sector(s)") != std::string::npos);
    CHECK(log.find("PC1 resumes at layer 2") != std::string::npos);
    REQUIRE(w.wait_thread(0, [](const json &t) { return t["state"] == "Empty"; }));
    CHECK_FALSE(fs::exists(batch_file));
}

TEST_CASE("batch rebuild: one sector failing its CommR check is aborted alone; the others finish", "[batch]")
{
    BatchSetup s;
    s.seal_import_lose(3, /*wrong_comm_r=*/2);
    REQUIRE(s.manager->cli({"util", "sealer", "sectors", "rebuild", "--store", "store-a"}).exit_code == 0);
    WorkerFixture w(*s.manager, s.spec(3), s.dir);
    w.start();
    REQUIRE(wait_until([&] { return s.finished(1) && s.finished(3); }, std::chrono::seconds(120)));
    CHECK(s.identical(1));
    CHECK(s.identical(3));
    // Sector 2 is aborted on the manager with its reason, registry data kept,
    // nothing of it persisted.
    REQUIRE(wait_until([&] { return !s.state(2)["online"].get<bool>(); }, std::chrono::seconds(30)));
    auto st = s.state(2);
    CHECK(st["abort_reason"].get<std::string>().find("comm_r mismatch") != std::string::npos);
    CHECK(st["need_rebuild"] == true);
    CHECK(st["sector"]["comm_r"] == kOtherCommR);
    CHECK_FALSE(fs::exists(s.store + "/sealed/" + BatchSetup::id(2)));
    CHECK_FALSE(fs::exists(s.store + "/cache/" + BatchSetup::id(2)));
    // Then the thread pauses with it, as after a single task.
    REQUIRE(w.wait_thread(0, [](const json &t) { return t["paused"].get<bool>(); }));
    std::string err = w.threads()[0]["last_err"];
    INFO(err);
    CHECK(err.rfind("permanent: s-t01002-2: comm_r_check: comm_r mismatch: rebuilt ", 0) == 0);
    CHECK(err.find("registered " + std::string(kOtherCommR)) != std::string::npos);
}

TEST_CASE("batch rebuild: a sector whose piece is missing is kept and retried alone; the others finish", "[batch]")
{
    BatchSetup s;
    std::string data(2032, '\0');
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + 3);
    const std::string piece = s.dir / "piece.bin";
    write_text(piece, data);
    s.piece_of[2] = piece;
    s.seal_import_lose(3);
    fs::rename(piece, s.dir / "piece.away"); // its only source
    REQUIRE(s.manager->cli({"util", "sealer", "sectors", "rebuild", "--store", "store-a"}).exit_code == 0);
    WorkerFixture w(*s.manager, s.spec(3), s.dir);
    w.start();
    REQUIRE(wait_until([&] { return s.finished(1) && s.finished(3); }, std::chrono::seconds(120)));
    CHECK(s.identical(1));
    CHECK(s.identical(3));
    REQUIRE(w.wait_thread(0, [](const json &t) { return t["paused"].get<bool>(); }));
    std::string err = w.threads()[0]["last_err"];
    INFO(err);
    CHECK(err.rfind("permanent: s-t01002-2: get piece ", 0) == 0);
    // Sector 2 is still leased to the thread, the only one left in its batch.
    CHECK(s.state(2)["online"] == true);
    CHECK(json::parse(slurp(w.location(0) + "/data/batch.json"))["leases"].size() == 1);
    // The piece is back: resumed, the sector is rebuilt identically.
    fs::rename(s.dir / "piece.away", piece);
    CHECK(w.cli({"resume", "--index", "0"}).out == "#0 worker resume done=true\n");
    REQUIRE(wait_until([&] { return s.finished(2); }, std::chrono::seconds(60)));
    CHECK(s.identical(2));
}

namespace {

// Position of the first line of `log` containing every one of `parts`
// (npos: none).
size_t line_with(const std::string &log, std::initializer_list<std::string> parts)
{
    size_t begin = 0;
    while (begin < log.size()) {
        size_t end = log.find('\n', begin);
        if (end == std::string::npos) end = log.size();
        const std::string line = log.substr(begin, end - begin);
        bool all = true;
        for (const auto &p : parts) all = all && line.find(p) != std::string::npos;
        if (all) return begin;
        begin = end + 1;
    }
    return std::string::npos;
}

} // namespace

TEST_CASE("batch rebuild: overlap = true labels the next batch while this batch builds its trees", "[batch][overlap]")
{
    BatchSetup s;
    s.seal_import_lose(4);
    REQUIRE(s.manager->cli({"util", "sealer", "sectors", "rebuild", "--store", "store-a"}).exit_code == 0);
    WorkerSpec spec = s.spec(2);
    spec.thread_toml += "overlap = true\n";
    WorkerFixture w(*s.manager, spec, s.dir);
    // PC1 and tree_c take long enough to see who runs beside whom.
    w.start({{"DAMOCLES_FAILPOINTS", "before:pc1=sleep:1000,before:tree_c=sleep:4000"}});
    // While one thread labels its batch, the other, with no sector leased yet,
    // waits for the turn and says so.
    CHECK(wait_until(
        [&] {
            for (const auto &row : w.threads())
                if (row["sector_id"].is_null() && row["thread_state"].get<std::string>().rfind("Waiting(", 0) == 0)
                    return true;
            return false;
        },
        std::chrono::seconds(30)));
    REQUIRE(wait_until([&] { return s.all_finished(4); }, std::chrono::seconds(120)));
    for (uint64_t n = 1; n <= 4; ++n) {
        INFO(n);
        CHECK(s.identical(n));
    }
    // The configured thread and its companion, listed as two rows.
    const json rows = w.threads();
    REQUIRE(rows.size() == 2);
    CHECK(rows[0]["location"] == w.location(0));
    CHECK(rows[1]["location"] == w.location(0) + "/overlap");

    const std::string log = w.log();
    INFO(log);
    // Whichever thread leased first (X), the other (Y) leases only once X's
    // PC1 is over, and before X's first sector has finished its trees.
    const size_t first = line_with(log, {"batch of 2 sector(s)"});
    REQUIRE(first != std::string::npos);
    const bool zero_first = line_with(log, {"sealing thread #0: batch of 2"}) == first;
    const std::string x = zero_first ? "#0" : "#1", y = zero_first ? "#1" : "#0";
    const size_t x_pc1_over = line_with(log, {"sealing thread " + x + ": PC1 of the batch is over"});
    const size_t y_batch = line_with(log, {"sealing thread " + y + ": batch of 2 sector(s)"});
    const size_t first_finished = line_with(log, {"rebuild finished; it leaves the batch"});
    REQUIRE(x_pc1_over != std::string::npos);
    REQUIRE(y_batch != std::string::npos);
    REQUIRE(first_finished != std::string::npos);
    CHECK(first < x_pc1_over);
    CHECK(x_pc1_over < y_batch);
    CHECK(y_batch < first_finished);
    REQUIRE(w.wait_thread(0, [](const json &t) { return t["state"] == "Empty"; }));
    REQUIRE(w.wait_thread(1, [](const json &t) { return t["state"] == "Empty"; }));
}

TEST_CASE("batch rebuild: overlap passes the PC1 turn only once every sector of the batch is past its PC1",
          "[batch][overlap]")
{
    BatchSetup s;
    s.seal_import_lose(4);
    REQUIRE(s.manager->cli({"util", "sealer", "sectors", "rebuild", "--store", "store-a"}).exit_code == 0);
    WorkerSpec spec = s.spec(2);
    spec.thread_toml += "overlap = true\n";
    // The cpu pc1 labels one sector per vertex; one at a time, each taking a
    // second, so a batch's two PC1 vertices end a second apart.
    spec.extra_toml = "[plugins]\npc1 = \"cpu\"\n\n[processors.limitation.concurrent]\npc1 = 1\n";
    WorkerFixture w(*s.manager, spec, s.dir);
    w.start({{"DAMOCLES_FAILPOINTS", "before:pc1=sleep:1000,before:tree_c=sleep:3000"}});
    REQUIRE(wait_until([&] { return s.all_finished(4); }, std::chrono::seconds(120)));
    for (uint64_t n = 1; n <= 4; ++n) {
        INFO(n);
        CHECK(s.identical(n));
    }
    const std::string log = w.log();
    INFO(log);
    const size_t first = line_with(log, {"batch of 2 sector(s)"});
    REQUIRE(first != std::string::npos);
    const bool zero_first = line_with(log, {"sealing thread #0: batch of 2"}) == first;
    const size_t y_batch =
        line_with(log, {std::string("sealing thread ") + (zero_first ? "#1" : "#0") + ": batch of 2"});
    REQUIRE(y_batch != std::string::npos);
    // Every PC1 before the companion's lease is the first batch's: both of them.
    size_t pc1_done_before = 0;
    for (size_t at = log.find(": pc1 done -> "); at != std::string::npos && at < y_batch;
         at = log.find(": pc1 done -> ", at + 1))
        ++pc1_done_before;
    CHECK(pc1_done_before == 2);
}
