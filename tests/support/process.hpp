// SPDX-License-Identifier: Apache-2.0
//
// Running the real executables from integration tests: run to completion with
// captured output, or start in the background and kill/wait later. Temporary
// directories are removed when the TempDir goes out of scope.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <sys/types.h>
#include <vector>

namespace dmc::test {

struct RunResult {
    int exit_code = -1; // -signal when killed by a signal
    std::string out, err;
};

struct RunOptions {
    std::map<std::string, std::string> env; // added to / overriding the environment
    std::string cwd;
    std::string stdin_data;
    std::chrono::seconds timeout{600};
};

// Path of a built executable, e.g. build_path("tools/damocles-run/damocles-run").
std::string build_path(const std::string &relative);
// The damocles-run binary (and its manager/worker aliases next to it).
std::string damocles_run();
std::string damocles_manager();
std::string damocles_worker();

RunResult run(const std::vector<std::string> &argv, const RunOptions &opts = {});

// Whether `damocles-run plugins list --json` lists plugin `name` as usable
// on this machine (e.g. "avx512": the CPU has its features).
bool plugin_usable(const std::string &name);

class Background {
public:
    Background() = default;
    Background(const std::vector<std::string> &argv, const RunOptions &opts, const std::string &log_path);
    ~Background();
    Background(Background &&o) noexcept;
    Background &operator=(Background &&o) noexcept;
    pid_t pid() const { return pid_; }
    bool running();
    void kill(int sig);
    int wait();  // exit code, -signal
    void stop(); // SIGTERM, wait up to 10 s, then SIGKILL
    const std::string &log_path() const { return log_; }

private:
    pid_t pid_ = -1;
    std::string log_;
    int status_ = 0;
    bool reaped_ = false;
};

class TempDir {
public:
    explicit TempDir(const std::string &tag = "dmc");
    ~TempDir();
    TempDir(const TempDir &) = delete;
    TempDir &operator=(const TempDir &) = delete;
    const std::string &path() const { return path_; }
    std::string operator/(const std::string &rel) const { return path_ + "/" + rel; }

private:
    std::string path_;
};

std::string slurp(const std::string &path);
void write_text(const std::string &path, const std::string &text);
// A free TCP port on 127.0.0.1.
int free_port();
// Polls `pred` every 50 ms until true or timeout; returns the last value.
template <class Pred> bool wait_until(Pred pred, std::chrono::milliseconds timeout)
{
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        struct timespec ts {
            0, 50'000'000
        };
        nanosleep(&ts, nullptr);
    }
    return pred();
}

} // namespace dmc::test
