// SPDX-License-Identifier: Apache-2.0
#include "service/rpc/http_deadline.hpp"

#include <httplib.h>

namespace dmc::service::rpc {

HttpDeadline::HttpDeadline(httplib::Client &client, std::chrono::steady_clock::time_point deadline)
    : client_(client), deadline_(deadline), thread_([this] { run(); })
{
}

HttpDeadline::~HttpDeadline() { disarm(); }

void HttpDeadline::disarm()
{
    {
        std::lock_guard lock(mutex_);
        done_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void HttpDeadline::run()
{
    std::unique_lock lock(mutex_);
    if (wake_.wait_until(lock, deadline_, [this] { return done_; })) return;
    fired_ = true;
    // stop() only shuts a socket that is in use; a request between
    // connecting and sending would miss one call, hence the repeat.
    while (!done_) {
        lock.unlock();
        client_.stop();
        lock.lock();
        wake_.wait_for(lock, std::chrono::milliseconds(20), [this] { return done_; });
    }
}

} // namespace dmc::service::rpc
