// SPDX-License-Identifier: Apache-2.0
#include "postgres_fixture.hpp"

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <grp.h>
#include <optional>
#include <pwd.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace dmc::test {

namespace fs = std::filesystem;

namespace {

// The newest /usr/lib/postgresql/<version>/bin with initdb and postgres
// (DMC_PG_BIN overrides).
std::string find_bin_dir()
{
    if (const char *env = std::getenv("DMC_PG_BIN"); env && *env) return env;
    std::string best;
    int best_version = -1;
    std::error_code ec;
    for (fs::directory_iterator it("/usr/lib/postgresql", ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
        const std::string bin = it->path().string() + "/bin";
        if (!fs::exists(bin + "/initdb") || !fs::exists(bin + "/postgres")) continue;
        if (std::stoi(name) > best_version) {
            best_version = std::stoi(name);
            best = bin;
        }
    }
    return best;
}

struct Account {
    uid_t uid;
    gid_t gid;
    std::string name;
};

// As root: the postgres system user; otherwise nobody to switch to.
std::optional<Account> server_account()
{
    if (geteuid() != 0) return std::nullopt;
    struct passwd *pw = getpwnam("postgres");
    if (!pw) return std::nullopt;
    return Account{pw->pw_uid, pw->pw_gid, pw->pw_name};
}

// Forks `argv` as the server account (when root), output appended to
// `log`. With `die_with_parent` the child gets SIGINT (fast shutdown) when
// the thread that forked it exits.
pid_t spawn(const std::vector<std::string> &argv, const std::string &log, bool die_with_parent)
{
    std::vector<std::string> args = argv;
    std::vector<char *> cargv;
    for (auto &a : args) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    auto account = server_account();
    // Everything that may allocate or read NSS is done before fork: other
    // threads of the test may hold locks the child would wait for forever.
    std::vector<gid_t> groups(64);
    if (account) {
        int n = static_cast<int>(groups.size());
        if (getgrouplist(account->name.c_str(), account->gid, groups.data(), &n) < 0) n = 0;
        groups.resize(static_cast<size_t>(n));
        if (groups.empty()) groups.push_back(account->gid);
    }
    const pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid != 0) return pid;
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    setpgid(0, 0);
    if (account) {
        if (setgroups(groups.size(), groups.data()) != 0 || setgid(account->gid) != 0 || setuid(account->uid) != 0)
            _exit(126);
    }
    // After the uid switch: changing credentials clears the signal.
    if (die_with_parent) {
        prctl(PR_SET_PDEATHSIG, SIGINT);
        if (getppid() != parent) _exit(1);
    }
    execv(cargv[0], cargv.data());
    std::fprintf(stderr, "exec %s: %s\n", cargv[0], std::strerror(errno));
    _exit(127);
}

int wait_for(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string g_reason;

} // namespace

bool PostgresServer::must_run()
{
    if (const char *env = std::getenv("DMC_REQUIRE_POSTGRES"); env && *env && std::string(env) != "0") return true;
    return geteuid() == 0;
}

const std::string &PostgresServer::unavailable_reason() { return g_reason; }

PostgresServer *PostgresServer::shared()
{
    static std::unique_ptr<PostgresServer> server;
    static bool tried = false;
    if (!tried) {
        tried = true;
        try {
            server = std::make_unique<PostgresServer>();
        } catch (const std::exception &e) {
            g_reason = e.what();
        }
    }
    return server.get();
}

PostgresServer::PostgresServer()
{
    bin_dir_ = find_bin_dir();
    if (bin_dir_.empty())
        throw std::runtime_error(
            "no PostgreSQL server binaries in /usr/lib/postgresql/*/bin (apt-get install postgresql)");
    if (geteuid() == 0 && !server_account())
        throw std::runtime_error("running as root but there is no 'postgres' user to run the server as");
    dir_ = std::make_unique<TempDir>("pg");
    if (auto account = server_account()) {
        if (chown(dir_->path().c_str(), account->uid, account->gid) != 0)
            throw std::runtime_error("cannot give " + dir_->path() + " to the postgres user");
        // (DMC_TEST_TMPDIR, when set, must be reachable by that user.)
    }
    data_ = *dir_ / "data";
    log_ = *dir_ / "server.log";
    pid_t init =
        spawn({bin("initdb"), "-D", data_, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync"},
              log_, false);
    if (wait_for(init) != 0) throw std::runtime_error("initdb failed:\n" + slurp(log_));
    port_ = free_port();
    start();
}

PostgresServer::~PostgresServer() { stop(); }

std::string PostgresServer::bin(const std::string &tool) const { return bin_dir_ + "/" + tool; }

void PostgresServer::start()
{
    // Test settings: durability off (the tests kill managers, never the
    // database), enough connections for several managers' pools.
    pid_ = spawn({bin("postgres"), "-D", data_, "-p", std::to_string(port_), "-k", dir_->path(), "-c",
                  "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c",
                  "full_page_writes=off", "-c", "max_connections=200"},
                 log_, true);
    bool ready = wait_until(
        [&] {
            int status;
            if (waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                return true;
            }
            return run({bin("pg_isready"), "-q", "-h", "127.0.0.1", "-p", std::to_string(port_)}).exit_code == 0;
        },
        std::chrono::seconds(30));
    if (!ready || pid_ < 0) throw std::runtime_error("postgres did not start:\n" + slurp(log_));
}

void PostgresServer::stop()
{
    if (pid_ <= 0) return;
    ::kill(pid_, SIGINT); // fast shutdown: disconnects clients
    bool done = wait_until(
        [&] {
            int status;
            return waitpid(pid_, &status, WNOHANG) == pid_;
        },
        std::chrono::seconds(30));
    if (!done) {
        ::kill(-pid_, SIGKILL);
        wait_for(pid_);
    }
    pid_ = -1;
}

std::string PostgresServer::url(const std::string &database) const
{
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PostgresServer::create_database(const std::string &prefix)
{
    std::string name = prefix + "_" + std::to_string(getpid()) + "_" + std::to_string(next_db_++);
    auto r = psql("postgres", "CREATE DATABASE " + name);
    if (r.exit_code != 0) throw std::runtime_error("CREATE DATABASE " + name + " failed: " + r.err);
    return url(name);
}

RunResult PostgresServer::psql(const std::string &database, const std::string &sql) const
{
    return run({bin("psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", std::to_string(port_),
                "-U", "postgres", "-d", database, "-c", sql});
}

} // namespace dmc::test
