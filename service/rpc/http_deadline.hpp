// SPDX-License-Identifier: Apache-2.0
//
// A deadline for a whole HTTP exchange. httplib bounds each read and write,
// not the exchange: a server that trickles a byte per read timeout would
// hold a client for ever. The guard stops the client (closes its socket)
// once the deadline passes, from a thread of its own, until disarmed.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace httplib {
class Client;
}

namespace dmc::service::rpc {

class HttpDeadline {
public:
    HttpDeadline(httplib::Client &client, std::chrono::steady_clock::time_point deadline);
    ~HttpDeadline();
    HttpDeadline(const HttpDeadline &) = delete;
    HttpDeadline &operator=(const HttpDeadline &) = delete;

    void disarm();
    bool fired() const { return fired_.load(); }

private:
    void run();

    httplib::Client &client_;
    std::chrono::steady_clock::time_point deadline_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool done_ = false;
    std::atomic<bool> fired_{false};
    std::thread thread_;
};

} // namespace dmc::service::rpc
