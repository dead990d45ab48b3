// SPDX-License-Identifier: Apache-2.0
//
// Workers on other hosts: the manager and two workers each in a network
// namespace of their own, linked by veth pairs the test makes (root only,
// as CI runs). Traffic between hosts is TLS (docs/architecture.md §8.10): the
// manager serves https with a certificate for its addresses, signed by a CA
// the test makes with openssl, which the workers trust through
// [sealer_rpc] ca_file; their admin APIs are https too. A worker reaches the
// manager only through its URL and token;
// the persist store is matched by name and mounted at a different path on
// each "host" (the manager's directory, a symlink, a bind mount). Four 2KiB
// sectors are rebuilt concurrently by the four sealing threads: each is
// allocated exactly once, all finish, and the files are byte-identical.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <sys/mount.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "load_clients.hpp"
#include "ops_support.hpp"
#include "process.hpp"
#include "tls_certs.hpp"

using namespace dmc::test;
using namespace dmc::test::ops;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

RunResult must(const std::vector<std::string> &argv)
{
    auto r = run(argv);
    INFO("$ " << argv.front() << " ... -> " << r.exit_code << "\n" << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return r;
}

// A network namespace (a "host"), deleted with its links at the end.
class Host {
public:
    explicit Host(std::string name) : name_(std::move(name))
    {
        must({"/usr/sbin/ip", "netns", "add", name_});
        created_ = true;
        must({"/usr/sbin/ip", "-n", name_, "link", "set", "lo", "up"});
    }
    ~Host()
    {
        if (created_) run({"/usr/sbin/ip", "netns", "del", name_});
    }
    const std::string &name() const { return name_; }
    // argv run inside this host's network namespace.
    std::vector<std::string> exec(std::vector<std::string> argv) const
    {
        argv.insert(argv.begin(), {"/usr/sbin/ip", "netns", "exec", name_});
        return argv;
    }

private:
    std::string name_;
    bool created_ = false;
};

// A veth cable between two hosts, /24 addresses .1 (a) and .2 (b).
void link(const Host &a, const Host &b, const std::string &tag, const std::string &subnet)
{
    must({"/usr/sbin/ip", "link", "add", "dmc" + tag + "a", "netns", a.name(), "type", "veth", "peer", "name",
          "dmc" + tag + "b", "netns", b.name()});
    must({"/usr/sbin/ip", "-n", a.name(), "addr", "add", subnet + ".1/24", "dev", "dmc" + tag + "a"});
    must({"/usr/sbin/ip", "-n", b.name(), "addr", "add", subnet + ".2/24", "dev", "dmc" + tag + "b"});
    must({"/usr/sbin/ip", "-n", a.name(), "link", "set", "dmc" + tag + "a", "up"});
    must({"/usr/sbin/ip", "-n", b.name(), "link", "set", "dmc" + tag + "b", "up"});
}

struct BindMount {
    BindMount(const std::string &from, const std::string &to) : to_(to)
    {
        fs::create_directories(to);
        ok = ::mount(from.c_str(), to.c_str(), nullptr, MS_BIND, nullptr) == 0;
    }
    ~BindMount()
    {
        if (ok) ::umount2(to_.c_str(), MNT_DETACH);
    }
    std::string to_;
    bool ok = false;
};

// JSON-RPC to the manager from inside its host (curl in the namespace, https
// checked against the test's CA).
json rpc(const Host &host, const std::string &ca, const std::string &token, const std::string &method,
         const json &params)
{
    json req = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
    auto r = run(
        host.exec({"/usr/bin/curl", "-sS", "-m", "10", "--cacert", ca, "-H", "Authorization: Bearer " + token, "-H",
                   "Content-Type: application/json", "--data-binary", req.dump(), "https://127.0.0.1:1789/rpc/v0"}));
    if (r.exit_code != 0) return json();
    auto j = json::parse(r.out, nullptr, false);
    return j.is_object() ? j : json();
}

// GET <address>/metrics in a host; the address carries its scheme (https).
std::string metrics_in(const Host &host, const std::string &ca, const std::string &address)
{
    auto r = run(host.exec({"/usr/bin/curl", "-sS", "-m", "10", "--cacert", ca, address + "/metrics"}));
    return r.exit_code == 0 ? r.out : "";
}

std::string trimmed(std::string s)
{
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

} // namespace

TEST_CASE("multihost: manager and two workers in separate network namespaces rebuild sectors concurrently",
          "[multihost]")
{
    DMC_REQUIRE_ROOT();
    if (!fs::exists("/usr/sbin/ip") || !fs::exists("/usr/bin/curl"))
        FAIL("iproute2 and curl are needed (scripts/install-deps.sh installs them)");
    TempDir dir("multihost");
    const std::string tag = std::to_string(getpid() % 100000);
    Host manager_host("dmc-" + tag + "-m"), host1("dmc-" + tag + "-w1"), host2("dmc-" + tag + "-w2");
    link(manager_host, host1, tag + "x", "10.231.1");
    link(manager_host, host2, tag + "y", "10.231.2");

    // One store, three paths: the manager's, a symlink on host 1, a bind
    // mount on host 2.
    const std::string store = dir / "store";
    fs::create_directories(store);
    const std::string mount1 = dir / "w1-store";
    fs::create_directory_symlink(store, mount1);
    BindMount mount2(store, dir / "w2-mnt");
    REQUIRE(mount2.ok);

    constexpr uint64_t kSectors = 4;
    const std::string originals = dir / "originals";
    json sectors = json::array();
    for (uint64_t n = 1; n <= kSectors; ++n) sectors.push_back(seal_sector(1002, n, originals, "store-a"));

    const TestCerts certs = make_test_certs(dir.path(), {"10.231.1.1", "10.231.2.1"});
    const std::string home = dir / "home";
    fs::create_directories(home);
    write_text(home + "/config.toml",
               "[[Miners]]\nActor = 1002\n\n[[Common.PersistStores]]\nName = \"store-a\"\nPath = \"" + store +
                   "\"\n\n[rpc]\ntls_cert = \"" + certs.server_chain + "\"\ntls_key = \"" + certs.server_key + "\"\n");
    RunOptions env;
    env.env = {{"DAMOCLES_LOG", "info"}};
    Background manager(
        manager_host.exec({damocles_manager(), "--home", home, "daemon", "run", "--listen", "0.0.0.0:1789"}), env,
        dir / "manager.log");
    REQUIRE(wait_until([&] { return fs::exists(home + "/api") || !manager.running(); }, std::chrono::seconds(20)));
    REQUIRE(manager.running());
    const std::string token = trimmed(slurp(home + "/token"));
    json imported =
        rpc(manager_host, certs.ca_cert, token, "Venus.SectorsImport", json::array({{{"sectors", sectors}}}));
    REQUIRE(imported.contains("result"));

    struct WorkerProc {
        std::string name, addr_file;
        std::unique_ptr<Background> proc;
    };
    std::vector<WorkerProc> workers;
    const std::vector<std::pair<const Host *, std::string>> placement = {{&host1, "10.231.1.1"},
                                                                         {&host2, "10.231.2.1"}};
    for (size_t i = 0; i < placement.size(); ++i) {
        const std::string name = "worker-" + std::to_string(i + 1);
        const std::string mount = i == 0 ? mount1 : mount2.to_;
        std::string toml =
            "[worker]\nname = \"" + name + "\"\n\n[worker.rpc_server]\nlisten = \"127.0.0.1:0\"\ntls_cert = \"" +
            certs.server_chain + "\"\ntls_key = \"" + certs.server_key + "\"\ntoken_file = \"" + name +
            ".token\"\n\n"
            "[sealer_rpc]\nurl = \"https://" +
            placement[i].second + ":1789\"\ntoken = \"" + token + "\"\nca_file = \"" + certs.ca_cert +
            "\"\n\n"
            "[sealing]\nrecover_interval = \"1s\"\nseal_interval = \"1s\"\nrpc_polling_interval = \"1s\"\n\n"
            "[processors]\nparent_cache_dir = \"" +
            parent_cache_dir() +
            "\"\n\n"
            "[[attached]]\nname = \"store-a\"\nlocation = \"" +
            mount + "\"\n\n";
        for (int t = 0; t < 2; ++t) {
            const std::string loc = dir / (name + "-thread-" + std::to_string(t));
            fs::create_directories(loc);
            toml += "[[sealing_thread]]\nlocation = \"" + loc + "\"\nplan = \"rebuild\"\n\n";
        }
        write_text(dir / (name + ".toml"), toml);
        RunOptions wenv;
        // Each task holds its thread a while, so the four sectors spread
        // over the four threads of the two hosts.
        wenv.env = {{"DAMOCLES_LOG", "info"},
                    {"DAMOCLES_FAILPOINTS", "before:persist=sleep:2000"},
                    {"DAMOCLES_WORKER_ADDRESS_FILE", dir / (name + ".addr")}};
        workers.push_back({name, dir / (name + ".addr"),
                           std::make_unique<Background>(placement[i].first->exec({damocles_worker(), "daemon", "run",
                                                                                  "--config", dir / (name + ".toml")}),
                                                        wenv, dir / (name + ".log"))});
    }
    for (auto &w : workers) {
        INFO(slurp(dir / (w.name + ".log")));
        REQUIRE(wait_until([&] { return fs::exists(w.addr_file) || !w.proc->running(); }, std::chrono::seconds(30)));
        REQUIRE(w.proc->running());
    }

    // The sectors' files are lost; all four are queued at once.
    for (uint64_t n = 1; n <= kSectors; ++n) {
        const std::string id = "s-t01002-" + std::to_string(n);
        fs::remove_all(store + "/sealed/" + id);
        fs::remove_all(store + "/cache/" + id);
        REQUIRE(rpc(manager_host, certs.ca_cert, token, "Venus.SectorSetForRebuild", json::array({1002, n}))
                    .contains("result"));
    }
    auto finished = [&](uint64_t n) {
        json s = rpc(manager_host, certs.ca_cert, token, "Venus.FindSectorInAllStates", json::array({1002, n}));
        return s.contains("result") && !s["result"]["online"].get<bool>() && !s["result"]["need_rebuild"].get<bool>();
    };
    bool all = wait_until(
        [&] {
            for (uint64_t n = 1; n <= kSectors; ++n)
                if (!finished(n)) return false;
            return true;
        },
        std::chrono::seconds(90));
    INFO("manager log:\n" << slurp(dir / "manager.log"));
    REQUIRE(all);

    // Each sector allocated exactly once, to a worker on another host.
    auto allocs = load::allocations_in_log(slurp(dir / "manager.log"));
    CHECK(allocs.size() == kSectors);
    for (const auto &[id, times] : allocs) {
        INFO(id);
        CHECK(times.size() == 1);
    }
    std::map<std::string, int> per_worker;
    const std::string log = slurp(dir / "manager.log");
    for (const auto &w : workers)
        for (size_t p = log.find("allocated to " + w.name + " "); p != std::string::npos;
             p = log.find("allocated to " + w.name + " ", p + 1))
            ++per_worker[w.name];
    CHECK(per_worker["worker-1"] >= 1);
    CHECK(per_worker["worker-2"] >= 1);
    CHECK(per_worker["worker-1"] + per_worker["worker-2"] == static_cast<int>(kSectors));

    // Byte-identical files; t_aux names the cache dir as the writing host
    // saw it (its own mount path of the store).
    for (uint64_t n = 1; n <= kSectors; ++n) {
        const std::string id = "s-t01002-" + std::to_string(n);
        INFO(id);
        CHECK(slurp(store + "/sealed/" + id) == slurp(originals + "/sealed/" + id));
        for (const char *f : {"p_aux", "sc-02-data-tree-r-last.dat"})
            CHECK(slurp(store + "/cache/" + id + "/" + f) == slurp(originals + "/cache/" + id + "/" + f));
        const std::string t_aux = slurp(store + "/cache/" + id + "/t_aux");
        CHECK((t_aux.find(mount1 + "/cache/" + id) != std::string::npos ||
               t_aux.find(mount2.to_ + "/cache/" + id) != std::string::npos));
    }

    // Each worker's /metrics, scraped inside its host, counts its share.
    for (size_t i = 0; i < workers.size(); ++i) {
        // (A worker counts a rebuild just after the manager records its end.)
        const std::string address = trimmed(slurp(workers[i].addr_file));
        double finished_here = NAN;
        wait_until(
            [&] {
                finished_here = sample(metrics_in(*placement[i].first, certs.ca_cert, address),
                                       "dmc_rebuilds_total{outcome=\"finished\"}");
                return finished_here == per_worker[workers[i].name];
            },
            std::chrono::seconds(10));
        CHECK(finished_here == per_worker[workers[i].name]);
    }
    for (auto &w : workers) w.proc->stop();
    manager.stop();
}
