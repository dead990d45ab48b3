// SPDX-License-Identifier: Apache-2.0
#include "service/task_heartbeat.hpp"

namespace dmc::core {

TaskHeartbeat::TaskHeartbeat(std::chrono::seconds interval, Report report, OnAnswer on_answer)
    : interval_(interval), report_(std::move(report)), on_answer_(std::move(on_answer))
{
    thread_ = std::thread([this] { loop(); });
}

TaskHeartbeat::~TaskHeartbeat() { stop(); }

void TaskHeartbeat::kick()
{
    std::lock_guard lock(mu_);
    kicked_ = true;
    cv_.notify_all();
}

void TaskHeartbeat::stop()
{
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        cv_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
}

void TaskHeartbeat::loop()
{
    std::unique_lock lock(mu_);
    for (;;) {
        cv_.wait_for(lock, interval_, [&] { return kicked_ || stopping_; });
        if (stopping_) return;
        kicked_ = false;
        lock.unlock();
        auto answer = report_();
        if (answer) on_answer_(*answer);
        lock.lock();
    }
}

} // namespace dmc::core
