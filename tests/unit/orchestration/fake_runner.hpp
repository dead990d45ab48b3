// SPDX-License-Identifier: Apache-2.0
//
// A VertexRunner for scheduler tests: records when each vertex ran, on which
// node and for which sectors, counts how many vertices of each kind (and how
// much memory) run at the same time, and can fail, block until cancelled or
// wait for peers of the same kind (to force overlap without timing
// assumptions: a peer wait gives up after a generous timeout).
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "damocles/core/internal/scheduler.hpp"

namespace dmc::test {

class FakeRunner : public core::VertexRunner {
public:
    using Clock = std::chrono::steady_clock;
    struct Event {
        core::VertexId v;
        core::VertexKind kind;
        std::vector<uint32_t> sectors; // ctx.sectors
        Clock::time_point start, end;
        int numa_node;
        int numa_os_index;
        uint32_t threads;
        bool had_arena;
    };

    std::chrono::milliseconds sleep{3};
    // Runs before the sleep; an error is returned as the vertex's status.
    std::function<Status(const core::Dag &, core::VertexId, core::VertexContext &)> hook;
    // (sector, kind) already complete: reported by is_done().
    std::set<std::pair<uint32_t, core::VertexKind>> done;
    // kind -> N: the first N vertices of that kind wait until N of them run
    // at once (the scheduler must let them; the wait gives up after 10 s).
    std::map<core::VertexKind, int> peers;

    Status run(const core::Dag &dag, core::VertexId v, core::VertexContext &ctx) override
    {
        const auto kind = dag[v].kind;
        Event e{v,
                kind,
                ctx.sectors,
                Clock::now(),
                {},
                ctx.numa_node,
                ctx.numa_os_index,
                ctx.threads,
                ctx.arena != nullptr};
        int arrival = 0;
        {
            std::lock_guard lock(mu_);
            arrival = ++started_[kind];
            int r = ++running_[kind];
            max_running_[kind] = std::max(max_running_[kind], r);
            total_running_ += 1;
            max_total_ = std::max(max_total_, total_running_);
            memory_running_ += dag[v].needs.memory_bytes;
            max_memory_ = std::max(max_memory_, memory_running_);
        }
        cv_.notify_all();
        if (auto it = peers.find(kind); it != peers.end() && arrival <= it->second) {
            std::unique_lock lock(mu_);
            cv_.wait_for(lock, std::chrono::seconds(10), [&] { return running_[kind] >= it->second; });
        }
        Status st;
        if (hook) st = hook(dag, v, ctx);
        if (st.ok()) {
            ctx.report_progress(0.5);
            std::this_thread::sleep_for(sleep);
            ctx.report_progress(1.0);
        }
        {
            std::lock_guard lock(mu_);
            running_[kind] -= 1;
            total_running_ -= 1;
            memory_running_ -= dag[v].needs.memory_bytes;
            e.end = Clock::now();
            events_.push_back(e);
        }
        return st;
    }

    bool is_done(const core::Dag &dag, core::VertexId v, uint32_t sector) override
    {
        return done.count({sector, dag[v].kind}) != 0;
    }

    std::vector<Event> events() const
    {
        std::lock_guard lock(mu_);
        return events_;
    }
    const Event *event_of(core::VertexId v) const
    {
        std::lock_guard lock(mu_);
        for (const auto &e : events_)
            if (e.v == v) return &e;
        return nullptr;
    }
    int max_running(core::VertexKind kind) const
    {
        std::lock_guard lock(mu_);
        auto it = max_running_.find(kind);
        return it == max_running_.end() ? 0 : it->second;
    }
    int max_total() const
    {
        std::lock_guard lock(mu_);
        return max_total_;
    }
    int total_running() const
    {
        std::lock_guard lock(mu_);
        return total_running_;
    }
    uint64_t max_memory() const
    {
        std::lock_guard lock(mu_);
        return max_memory_;
    }
    // Blocks until a vertex of `kind` has started (or 10 s passed).
    bool wait_started(core::VertexKind kind)
    {
        std::unique_lock lock(mu_);
        return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return started_[kind] > 0; });
    }

private:
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::vector<Event> events_;
    std::map<core::VertexKind, int> running_, max_running_, started_;
    int total_running_ = 0, max_total_ = 0;
    uint64_t memory_running_ = 0, max_memory_ = 0;
};

} // namespace dmc::test
