// SPDX-License-Identifier: Apache-2.0
#include "service/metrics/registry_gauges.hpp"

#include "service/metrics/prometheus.hpp"
#include "service/metrics/series.hpp"

namespace dmc::service::metrics {

namespace {

struct Families {
    Family &queue = global().gauge("dmc_rebuild_queue_length", "Sectors in the rebuild queue (leased or not)");
    Family &leased =
        global().gauge("dmc_rebuild_queue_leased", "Queue entries leased to a worker whose lease has not expired");
    Family &workers =
        global().gauge("dmc_manager_workers", "Workers known to the registry, by ping freshness", {"state"});
    Family &threads = global().gauge(
        "dmc_manager_threads", "Sealing threads of alive workers by state, as their last ping reported", {"state"});
    Family &up = global().gauge("dmc_registry_up", "1 when the registry answered the last refresh");
};

Families &families()
{
    static Families f;
    return f;
}

} // namespace

RegistryGauges::RegistryGauges(RegistryStore &registry, std::chrono::milliseconds interval,
                               std::chrono::milliseconds min_gap)
    : registry_(registry), interval_(interval), min_gap_(min_gap)
{
    refresh(); // the first scrape already sees the registry
    thread_ = std::thread([this] { loop(); });
}

RegistryGauges::~RegistryGauges()
{
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void RegistryGauges::poke()
{
    {
        std::lock_guard lock(mutex_);
        poked_ = true;
    }
    wake_.notify_all();
}

void RegistryGauges::loop()
{
    std::unique_lock lock(mutex_);
    while (!stop_) {
        wake_.wait_for(lock, interval_, [this] { return poked_ || stop_; });
        if (stop_) break;
        poked_ = false;
        lock.unlock();
        refresh();
        lock.lock();
        // Pokes arriving meanwhile wait for the next turn, at least min_gap later.
        wake_.wait_for(lock, min_gap_, [this] { return stop_; });
    }
}

void RegistryGauges::refresh()
{
    Families &f = families();
    const int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    auto entries = registry_.list_queue();
    auto known = registry_.list_workers();
    f.up.gauge().set(entries.ok() && known.ok() ? 1 : 0);
    if (entries.ok()) {
        size_t live = 0;
        for (const auto &q : *entries) live += !q.lease_worker.empty() && q.lease_expires >= now;
        f.queue.gauge().set(static_cast<double>(entries->size()));
        f.leased.gauge().set(static_cast<double>(live));
    }
    if (known.ok()) {
        // A worker pings every 30 s by default: 2 min of silence is 4 missed pings.
        ThreadCounts sum;
        size_t alive = 0;
        for (const auto &w : *known) {
            if (now - w.last_ping > 120) continue;
            ++alive;
            sum.threads += w.threads;
            sum.empty += w.empty;
            sum.paused += w.paused;
            sum.running += w.running;
            sum.waiting += w.waiting;
            sum.errors += w.errors;
        }
        f.workers.gauge({"alive"}).set(static_cast<double>(alive));
        f.workers.gauge({"silent"}).set(static_cast<double>(known->size() - alive));
        for (const auto &[state, value] : thread_counts_by_state(sum)) f.threads.gauge({state}).set(value);
    }
}

} // namespace dmc::service::metrics
