// SPDX-License-Identifier: Apache-2.0
//
// While a task runs, its state goes to the manager (Venus.ReportState) after
// every step and every `interval`: that renews the lease and shows progress
// in `sectors state`. The manager's answer can end the task: the sector was
// finalized or aborted there, its lease went to another worker, or an
// operator cancelled it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "service/registry/registry_types.hpp"

namespace dmc::service {

struct HeartbeatAnswer {
    bool finalized = false;
    bool lease_valid = true;
    bool cancel_requested = false;
};

class LeaseHeartbeat {
public:
    using Report = std::function<std::optional<HeartbeatAnswer>()>; // nullopt: RPC failed
    using OnAnswer = std::function<void(const HeartbeatAnswer &)>;

    LeaseHeartbeat(std::chrono::seconds interval, Report report, OnAnswer on_answer);
    ~LeaseHeartbeat();
    void kick(); // report now (a step finished)
    void stop();

private:
    void loop();
    std::chrono::seconds interval_;
    Report report_;
    OnAnswer on_answer_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool kicked_ = false, stopping_ = false;
    std::thread thread_;
};

} // namespace dmc::service
