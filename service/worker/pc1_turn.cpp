// SPDX-License-Identifier: Apache-2.0
#include "service/worker/pc1_turn.hpp"

namespace dmc::service {

bool Pc1Turn::acquire(size_t holder, const std::function<bool()> &give_up, std::chrono::milliseconds poll)
{
    std::unique_lock lock(mu_);
    for (;;) {
        if (!holder_ || *holder_ == holder) {
            holder_ = holder;
            return true;
        }
        // give_up() takes the thread's own lock: never call it under ours. A
        // wake() meanwhile is seen through the counter, not lost.
        const uint64_t seen = wakes_;
        lock.unlock();
        if (give_up()) return false;
        lock.lock();
        cv_.wait_for(lock, poll, [&] { return !holder_ || wakes_ != seen; });
    }
}

bool Pc1Turn::release(size_t holder)
{
    {
        std::lock_guard lock(mu_);
        if (!holder_ || *holder_ != holder) return false;
        holder_.reset();
    }
    cv_.notify_all();
    return true;
}

void Pc1Turn::wake()
{
    {
        std::lock_guard lock(mu_);
        ++wakes_;
    }
    cv_.notify_all();
}

std::optional<size_t> Pc1Turn::holder() const
{
    std::lock_guard lock(mu_);
    return holder_;
}

} // namespace dmc::service
