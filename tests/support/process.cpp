// SPDX-License-Identifier: Apache-2.0
#include "process.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

extern char **environ;

namespace dmc::test {

namespace {

std::vector<std::string> make_env(const std::map<std::string, std::string> &extra)
{
    std::map<std::string, std::string> env;
    for (char **e = environ; *e; ++e) {
        std::string s(*e);
        auto eq = s.find('=');
        if (eq != std::string::npos) env[s.substr(0, eq)] = s.substr(eq + 1);
    }
    for (const auto &[k, v] : extra) env[k] = v;
    std::vector<std::string> out;
    for (const auto &[k, v] : env) out.push_back(k + "=" + v);
    return out;
}

std::vector<char *> cstrs(std::vector<std::string> &v)
{
    std::vector<char *> out;
    for (auto &s : v) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

[[noreturn]] void exec_child(std::vector<std::string> argv, const RunOptions &opts)
{
    if (!opts.cwd.empty() && chdir(opts.cwd.c_str()) != 0) _exit(126);
    auto envs = make_env(opts.env);
    auto cargv = cstrs(argv);
    auto cenv = cstrs(envs);
    setpgid(0, 0);
    execve(cargv[0], cargv.data(), cenv.data());
    std::fprintf(stderr, "exec %s: %s\n", cargv[0], std::strerror(errno));
    _exit(127);
}

int decode_status(int status)
{
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return -WTERMSIG(status);
    return -1;
}

} // namespace

std::string build_path(const std::string &relative) { return std::string(DMC_BUILD_ROOT) + "/" + relative; }
std::string damocles_run() { return build_path("tools/damocles-run/damocles-run"); }

bool plugin_usable(const std::string &name)
{
    const RunResult r = run({damocles_run(), "plugins", "list", "--json"});
    if (r.exit_code != 0) throw std::runtime_error("plugins list failed: " + r.err);
    for (const auto &p : nlohmann::json::parse(r.out))
        if (p.value("name", "") == name) return p.value("usable", false);
    return false;
}
std::string damocles_manager() { return build_path("tools/damocles-run/damocles-manager"); }
std::string damocles_worker() { return build_path("tools/damocles-run/damocles-worker"); }

RunResult run(const std::vector<std::string> &argv, const RunOptions &opts)
{
    int out_pipe[2], err_pipe[2], in_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC) || pipe2(in_pipe, O_CLOEXEC))
        throw std::runtime_error("pipe failed");
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        dup2(in_pipe[0], 0);
        dup2(out_pipe[1], 1);
        dup2(err_pipe[1], 2);
        exec_child(argv, opts);
    }
    close(out_pipe[1]);
    close(err_pipe[1]);
    close(in_pipe[0]);
    if (!opts.stdin_data.empty()) {
        ssize_t n = write(in_pipe[1], opts.stdin_data.data(), opts.stdin_data.size());
        (void)n;
    }
    close(in_pipe[1]);

    RunResult r;
    auto deadline = std::chrono::steady_clock::now() + opts.timeout;
    struct pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    int open_fds = 2;
    char buf[65536];
    bool timed_out = false;
    while (open_fds > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        int n = poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1000)));
        if (n < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t k = read(fds[i].fd, buf, sizeof buf);
            if (k <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            } else {
                (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(k));
            }
        }
    }
    if (timed_out) {
        ::kill(-pid, SIGKILL);
        ::kill(pid, SIGKILL);
    }
    for (auto &f : fds)
        if (f.fd >= 0) close(f.fd);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    r.exit_code = decode_status(status);
    if (timed_out) r.err += "\n[test harness: timed out]\n";
    return r;
}

Background::Background(const std::vector<std::string> &argv, const RunOptions &opts, const std::string &log_path)
    : log_(log_path)
{
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        exec_child(argv, opts);
    }
}

Background::~Background()
{
    if (pid_ > 0 && !reaped_) stop();
}

Background::Background(Background &&o) noexcept
    : pid_(o.pid_), log_(std::move(o.log_)), status_(o.status_), reaped_(o.reaped_)
{
    o.pid_ = -1;
}

Background &Background::operator=(Background &&o) noexcept
{
    if (this != &o) {
        if (pid_ > 0 && !reaped_) stop();
        pid_ = o.pid_;
        log_ = std::move(o.log_);
        status_ = o.status_;
        reaped_ = o.reaped_;
        o.pid_ = -1;
    }
    return *this;
}

bool Background::running()
{
    if (pid_ <= 0 || reaped_) return false;
    int status;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        reaped_ = true;
        status_ = status;
        return false;
    }
    return true;
}

void Background::kill(int sig)
{
    if (pid_ > 0 && !reaped_) ::kill(pid_, sig);
}

int Background::wait()
{
    if (pid_ <= 0) return -1;
    if (!reaped_) {
        int status = 0;
        while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        status_ = status;
        reaped_ = true;
    }
    return decode_status(status_);
}

void Background::stop()
{
    if (pid_ <= 0 || reaped_) return;
    ::kill(pid_, SIGTERM);
    bool done = wait_until([&] { return !running(); }, std::chrono::milliseconds(10000));
    if (!done) {
        ::kill(-pid_, SIGKILL);
        ::kill(pid_, SIGKILL);
        wait();
    }
}

TempDir::TempDir(const std::string &tag)
{
    std::string base = std::getenv("DMC_TEST_TMPDIR") ? std::getenv("DMC_TEST_TMPDIR") : "/tmp";
    std::string tmpl = base + "/" + tag + "-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
    path_ = buf.data();
}

TempDir::~TempDir()
{
    if (std::getenv("DMC_TEST_KEEP_TMP")) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

std::string slurp(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_text(const std::string &path, const std::string &text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

int free_port()
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len);
    int port = ntohs(addr.sin_port);
    close(fd);
    return port;
}

} // namespace dmc::test
