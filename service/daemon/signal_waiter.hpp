// SPDX-License-Identifier: Apache-2.0
//
// Daemon shutdown: blocks SIGINT/SIGTERM in every thread created afterwards
// and waits for them in one dedicated thread, which runs `on_signal` outside
// any signal handler (so it may lock, log and stop servers).
#pragma once

#include <atomic>
#include <csignal>
#include <functional>
#include <pthread.h>
#include <thread>

namespace dmc::service {

class SignalWaiter {
public:
    explicit SignalWaiter(std::function<void(int)> on_signal) : on_signal_(std::move(on_signal))
    {
        sigemptyset(&set_);
        sigaddset(&set_, SIGINT);
        sigaddset(&set_, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set_, nullptr);
        thread_ = std::thread([this] {
            int sig = 0;
            sigwait(&set_, &sig);
            if (!done_) on_signal_(sig);
        });
    }
    ~SignalWaiter()
    {
        done_ = true;
        pthread_kill(thread_.native_handle(), SIGTERM);
        thread_.join();
    }
    SignalWaiter(const SignalWaiter &) = delete;
    SignalWaiter &operator=(const SignalWaiter &) = delete;

private:
    std::function<void(int)> on_signal_;
    sigset_t set_;
    std::atomic<bool> done_{false};
    std::thread thread_;
};

} // namespace dmc::service
