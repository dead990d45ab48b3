// SPDX-License-Identifier: Apache-2.0
//
// Fault and load tests (issue 11): 200 queued sectors allocated by 8
// concurrent clients that hang up and crash at random, on SQLite and on
// PostgreSQL with two managers sharing the database; a manager killed
// (SIGKILL) and restarted while clients allocate; a persist store that fills
// up during persist. Each sector must be allocated to one client at a time,
// acknowledged once, and a re-allocation may only follow a lease expiry
// (checked on the managers' log timestamps). The figures measured are
// printed and appended to <build>/test-results/ops-figures.txt.
#include <catch2/catch.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/statvfs.h>

#include <fmt/format.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "service/manager/manager_daemon.hpp"
#include "load_clients.hpp"
#include "manager_fixture.hpp"
#include "ops_support.hpp"
#include "postgres_fixture.hpp"
#include "worker_fixture.hpp"

using namespace dmc::test;
using namespace dmc::test::ops;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr int kLeaseSeconds = 10;  // the smallest [rebuild] lease_seconds the manager accepts

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
    for (uint64_t n = 1; n <= count; ++n)
        sectors.push_back(paper_sector(1001, n));
    REQUIRE(c.call("Venus.SectorsImport", json::array({{{"sectors", sectors}}})).ok());
    for (uint64_t n = 1; n <= count; ++n)
        REQUIRE(c.call("Venus.SectorSetForRebuild", json::array({1001, n})).ok());
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
    for (const auto &[n, k] : out.received)
        received += static_cast<uint64_t>(k);
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
    for (auto *m : managers)
        o.homes.push_back(m->home());
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

// Kills managers[victim] (SIGKILL) once a third of the sectors are
// acknowledged, restarts it, and lets the clients go on.
void kill_test(const std::string &backend, const std::vector<ManagerFixture *> &managers, size_t victim)
{
    constexpr uint64_t kSectors = 120;
    queue_sectors(*managers.front(), kSectors);
    load::Options o;
    for (auto *m : managers)
        o.homes.push_back(m->home());
    o.sectors = kSectors;
    o.clients = 8;
    bool killed = false;
    double down_seconds = 0;
    o.on_progress = [&](uint64_t finalized) {
        if (killed || finalized < kSectors / 3) return;
        killed = true;
        auto t0 = std::chrono::steady_clock::now();
        managers[victim]->kill9();
        managers[victim]->restart();
        down_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    auto out = load::run(o);
    REQUIRE(killed);
    // Calls in flight at the kill may have allocated before dying: at most
    // one per client.
    auto c = check_outcome(out, managers, kSectors, static_cast<uint64_t>(o.clients));
    CHECK(out.crashed.empty());
    // An allocation committed just before the kill lost its answer (and
    // maybe its log line): the clients then wait for its lease to expire.
    record_figures(fmt::format(
        "kill[{}, {} manager(s)]: {} sectors, {} clients, manager SIGKILLed at {} acknowledged, back in {:.2f} s; "
        "{} allocations logged ({} re-allocated after lease expiry), {} transport errors seen by clients, nothing "
        "lost; all acknowledged in {:.1f} s{}",
        backend, managers.size(), kSectors, o.clients, kSectors / 3, down_seconds, c.allocations, c.reallocations,
        out.call_errors, out.total_seconds,
        out.total_seconds > kLeaseSeconds ? " (waited for the lease of an answer lost in the kill)" : ""));
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
        for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1))
            ++n;
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
    REQUIRE(expected.size() == 4);  // sealed, p_aux, t_aux, tree-r-last

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

namespace {

// POST /rpc/v0 with a raw body; the HTTP status and parsed answer.
struct Answer {
    int status = 0;
    json body;
    int code() const { return body.is_object() && body.contains("error") ? body["error"].value("code", 0) : 0; }
};

Answer post(const std::string &address, const std::string &token, const std::string &body)
{
    auto hp = dmc::service::rpc::parse_host_port(address, 0);
    REQUIRE(hp.ok());
    httplib::Client c(hp->first, hp->second);
    c.set_read_timeout(30, 0);
    if (!token.empty()) c.set_bearer_token_auth(token.c_str());
    auto res = c.Post("/rpc/v0", body, "application/json");
    Answer a;
    if (!res) return a;
    a.status = res->status;
    a.body = json::parse(res->body, nullptr, false);
    return a;
}

std::string call_text(const std::string &method, const std::string &params)
{
    return R"({"jsonrpc":"2.0","id":7,"method":")" + method + R"(","params":)" + params + "}";
}

} // namespace

TEST_CASE("faults: malformed, hostile and oversize JSON-RPC get errors and never stop the manager", "[faults][rpc]")
{
    // Complements "manager: JSON-RPC rejects bad tokens and malformed
    // requests" (test_manager_cli.cpp): every method with wrong params,
    // batches, deep nesting, token variants, lying Content-Length.
    ManagerFixture m("[[Miners]]\nActor = 1001\n");
    const std::string addr = m.address(), token = m.token();

    CHECK(post(addr, token, "[" + call_text("Venus.Version", "[]") + "]").code() == -32600);  // batches: not served
    CHECK(post(addr, token, "").code() == -32700);
    CHECK(post(addr, token, std::string("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"Venus.Version\0\"}", 45)).code() ==
          -32700);
    CHECK(post(addr, token, R"({"jsonrpc":"2.0","id":{"x":1},"method":"Venus.Version"})").code() == -32600);
    CHECK(post(addr, token, R"({"jsonrpc":"1.0","id":1,"method":"Venus.Version"})").code() == -32600);
    CHECK(post(addr, token, R"({"jsonrpc":"2.0","id":1,"method":42})").code() == -32600);
    CHECK(post(addr, token, call_text("Venus.Version", "\"text\"")).code() == -32602);
    CHECK(post(addr, token, "\"\\ud800\"").code() == -32700);  // a lone surrogate is not JSON text
    // Deep nesting at the top level is refused before any copy of it (see
    // the next case for nesting inside params).
    const size_t depth = 200000;
    // (-32700 from the parser, or -32600 once bodies are depth-checked first.)
    const int unclosed = post(addr, token, std::string(depth, '[')).code();
    CHECK((unclosed == -32700 || unclosed == -32600));
    CHECK(post(addr, token, std::string(depth, '[') + std::string(depth, ']')).code() == -32600);
    const std::string deep = std::string(1000, '[') + std::string(1000, ']');
    const int nested = post(addr, token, call_text("Venus.SectorsImport", "[{\"sectors\":" + deep + "}]")).code();
    CHECK((nested == -32602 || nested == -32600));

    // Every method with params of the wrong shape or range.
    const std::vector<std::string> methods = {"Venus.SectorsImport",
                                              "Venus.SectorSetForRebuild",
                                              "Venus.SectorRebuildCancel",
                                              "Venus.FindSectorInAllStates",
                                              "Venus.ListSectors",
                                              "Venus.RebuildQueue",
                                              "Venus.AllocateRebuildSector",
                                              "Venus.ReportState",
                                              "Venus.ReportFinalized",
                                              "Venus.ReportAborted",
                                              "Venus.StoreReserveSpace",
                                              "Venus.SubmitPersistedEx",
                                              "Venus.WorkerPing",
                                              "Venus.WorkerList",
                                              "Venus.StoreList",
                                              "Venus.StoreAttach"};
    const std::vector<std::string> shapes = {
        "[]",
        "[null]",
        "[\"x\"]",
        "[{}]",
        "{}",
        "[-1,-1,-1,-1,-1]",
        "[1e308,1e308,1e308]",
        "[18446744073709551615,18446744073709551615,18446744073709551615,18446744073709551615]",
        "[1001,1,1,{\"progress\":\"x\"},true]",
        "[1001,1,4096,\"store\"]",
        "[{\"name\":\"w\",\"threads\":-1,\"thread_rows\":" + deep + "}]",
        "[{\"name\":\"s\",\"path\":\"/nonexistent\",\"weight\":\"heavy\"}]",
        "[{\"AllowedMiners\":\"all\",\"AllowedProofTypes\":[-3]}]",
        "[[[[[]]]]]"};
    size_t answered = 0;
    for (const auto &method : methods)
        for (const auto &shape : shapes) {
            INFO(method << " " << shape.substr(0, 80));
            Answer a = post(addr, token, call_text(method, shape));
            CHECK(a.status == 200);
            answered += a.body.is_object() && (a.body.contains("result") || a.body.contains("error"));
        }
    CHECK(answered == methods.size() * shapes.size());

    // Tokens: only "Bearer <token>" exactly.
    for (const std::string &t : {std::string(), std::string(" ") + token, token.substr(1), token + "0"}) {
        httplib::Client c(dmc::service::rpc::parse_host_port(addr, 0)->first,
                          dmc::service::rpc::parse_host_port(addr, 0)->second);
        auto res = c.Post("/rpc/v0", httplib::Headers{{"Authorization", "Bearer " + t}},
                          call_text("Venus.Version", "[]"), "application/json");
        REQUIRE(res);
        CHECK(res->status == 401);
    }
    httplib::Client lower(dmc::service::rpc::parse_host_port(addr, 0)->first,
                          dmc::service::rpc::parse_host_port(addr, 0)->second);
    auto lowered = lower.Post("/rpc/v0", httplib::Headers{{"Authorization", "bearer " + token}},
                              call_text("Venus.Version", "[]"), "application/json");
    REQUIRE(lowered);
    CHECK(lowered->status == 401);

    // A Content-Length far above the limit, or one that lies (the client
    // hangs up early): the server drops the connection, allocates nothing,
    // and goes on. (httplib drains an oversize body before it answers 413,
    // so the client hangs up rather than wait for its read timeout.)
    auto hp = dmc::service::rpc::parse_host_port(addr, 0);
    for (const std::string &length : {std::string("107374182400"), std::string("1000")}) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(static_cast<uint16_t>(hp->second));
        ::inet_pton(AF_INET, hp->first.c_str(), &sa.sin_addr);
        REQUIRE(::connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) == 0);
        std::string req = "POST /rpc/v0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
                          "\r\nContent-Length: " + length + "\r\n\r\n{\"jsonrpc\"";
        REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
        ::shutdown(fd, SHUT_WR);
        char buf[256] = {};
        CHECK(::recv(fd, buf, sizeof buf - 1, 0) >= 0);
        ::close(fd);
    }

    auto still = dmc::service::rpc::Client(addr, token).call("Venus.Version", json::array());
    CHECK(still.ok());
    const std::string text = scrape(addr);
    CHECK(counter(text, "dmc_http_responses_total{daemon=\"manager\",code=\"401\"}") >= 5);
    CHECK(counter(text, "dmc_rpc_errors_total{side=\"server\",method=\"Venus.ReportState\"}") >= 1);
    CHECK(m.log().find("terminate") == std::string::npos);
}

TEST_CASE("faults: JSON-RPC params nested 200000 deep are refused without crashing the manager",
          "[faults][rpc]")
{
    // Dispatcher::handle copies the params and Venus.WorkerPing dumps
    // thread_rows, both recursively: a body nested ~100k deep would
    // overflow an HTTP thread's stack. Bodies deeper than kMaxNesting are
    // refused before parsing.
    ManagerFixture m("[[Miners]]\nActor = 1001\n");
    const std::string deep = std::string(200000, '[') + std::string(200000, ']');
    Answer a = post(m.address(), m.token(), call_text("Venus.Version", "[" + deep + "]"));
    CHECK(a.code() == -32600);
    Answer b =
        post(m.address(), m.token(), call_text("Venus.WorkerPing", "[{\"name\":\"w\",\"thread_rows\":" + deep + "}]"));
    CHECK(b.code() != 0);
    CHECK(dmc::service::rpc::Client(m.address(), m.token()).call("Venus.Version", json::array()).ok());
}

TEST_CASE("faults: the worker admin API answers garbage with errors and keeps serving", "[faults][rpc]")
{
    TempDir dir("admin-faults");
    const std::string store = dir / "store";
    fs::create_directories(store);
    ManagerFixture m("[[Miners]]\nActor = 1001\n\n[[Common.PersistStores]]\nName = \"store-a\"\nPath = \"" + store +
                     "\"\n");
    WorkerSpec spec;
    spec.stores = {{"store-a", store}};
    spec.parent_cache = parent_cache_dir();
    WorkerFixture w(m, spec, dir);
    w.start();
    const std::string addr = w.address(), token = w.token();
    CHECK(post(addr, "", call_text("VenusWorker.WorkerList", "[]")).status == 401);
    CHECK(post(addr, token, "{not json").code() == -32700);
    CHECK(post(addr, token, call_text("VenusWorker.Nope", "[]")).code() == -32601);
    CHECK(post(addr, token, "[" + call_text("VenusWorker.WorkerList", "[]") + "]").code() == -32600);
    for (const char *shape : {"[]", "[\"0\"]", "[-1]", "[99]", "[1.5]", "{}", "[null]"}) {
        INFO(shape);
        CHECK(post(addr, token, call_text("VenusWorker.WorkerPause", shape)).code() == -32602);
        CHECK(post(addr, token, call_text("VenusWorker.WorkerResume", shape)).code() != 0);
    }
    CHECK(post(addr, token, std::string(1u << 21, ' ')).status == 413);  // the admin API takes 1 MiB at most
    const int unclosed = post(addr, token, std::string(200000, '[')).code();
    CHECK((unclosed == -32700 || unclosed == -32600));
    auto list = dmc::service::rpc::Client(addr, token, 10).call("VenusWorker.WorkerList", json::array());
    REQUIRE(list.ok());
    CHECK(list->size() == 1);
    CHECK(w.running());
    const std::string text = scrape(addr);
    CHECK(counter(text, "dmc_http_responses_total{daemon=\"worker\",code=\"413\"}") == 1);
    CHECK(counter(text, "dmc_rpc_errors_total{side=\"server\",method=\"VenusWorker.WorkerPause\"}") == 7);
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
