// SPDX-License-Identifier: Apache-2.0
#include "service/worker/lease_heartbeat.hpp"

namespace dmc::service {

using namespace dmc::core;

LeaseHeartbeat::LeaseHeartbeat(std::chrono::seconds interval, Report report, OnAnswer on_answer)
    : interval_(interval), report_(std::move(report)), on_answer_(std::move(on_answer))
{
    thread_ = std::thread([this] { loop(); });
}

LeaseHeartbeat::~LeaseHeartbeat() { stop(); }

void LeaseHeartbeat::kick()
{
    std::lock_guard lock(mu_);
    kicked_ = true;
    cv_.notify_all();
}

void LeaseHeartbeat::stop()
{
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        cv_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
}

void LeaseHeartbeat::loop()
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

} // namespace dmc::service
