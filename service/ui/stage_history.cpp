// SPDX-License-Identifier: Apache-2.0
#include "service/ui/stage_history.hpp"

#include <algorithm>

namespace dmc::service::ui {

namespace {

// Step names are vertex kind names; anything else (a worker of another
// version, a hand-made call) is not charted.
bool is_stage_name(const std::string &name)
{
    if (name.empty() || name.size() > 32) return false;
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

constexpr size_t kMaxStages = 32;

} // namespace

StageHistory::StageHistory(size_t max_samples, size_t max_rebuilds, size_t max_open)
    : max_samples_(max_samples), max_rebuilds_(max_rebuilds), max_open_(max_open)
{
}

StageHistory::OpenLease &StageHistory::open(const SectorKey &key, uint64_t lease_id, Clock::time_point now)
{
    if (open_.size() >= max_open_ && !open_.count(key)) {
        // Leases that were never finalized (a worker died, the lease went
        // elsewhere) must not grow the map without bound.
        auto oldest = std::min_element(open_.begin(), open_.end(), [](const auto &a, const auto &b) {
            return a.second.last_step < b.second.last_step;
        });
        open_.erase(oldest);
    }
    OpenLease &lease = open_[key];
    lease = OpenLease{lease_id, now, now, "", false};
    return lease;
}

void StageHistory::on_allocated(const SectorKey &key, uint64_t lease_id, Clock::time_point now)
{
    std::lock_guard lock(mutex_);
    open(key, lease_id, now).from_allocation = true;
}

void StageHistory::on_report(const SectorKey &key, uint64_t lease_id, const std::string &event, Clock::time_point now)
{
    std::lock_guard lock(mutex_);
    auto it = open_.find(key);
    if (it == open_.end() || it->second.lease_id != lease_id) {
        // First sight of this lease (the manager restarted, or the worker
        // resumed a task it had before): what ran before is unknown, so
        // the clock starts at the step reported now.
        open(key, lease_id, now).last_event = event;
        return;
    }
    OpenLease &lease = it->second;
    if (event == lease.last_event || !is_stage_name(event)) return;
    const bool known = std::find(stage_order_.begin(), stage_order_.end(), event) != stage_order_.end();
    if (!known && stage_order_.size() >= kMaxStages) return;
    if (!known) stage_order_.push_back(event);
    samples_.push_back({event, std::chrono::duration<double>(now - lease.last_step).count()});
    if (samples_.size() > max_samples_) samples_.pop_front();
    lease.last_step = now;
    lease.last_event = event;
}

void StageHistory::on_finalized(const SectorKey &key, uint64_t lease_id, Clock::time_point now)
{
    std::lock_guard lock(mutex_);
    auto it = open_.find(key);
    if (it == open_.end()) return;
    if (it->second.lease_id == lease_id && it->second.from_allocation) {
        rebuild_seconds_.push_back(std::chrono::duration<double>(now - it->second.started).count());
        if (rebuild_seconds_.size() > max_rebuilds_) rebuild_seconds_.pop_front();
    }
    open_.erase(it);
}

void StageHistory::on_aborted(const SectorKey &key)
{
    std::lock_guard lock(mutex_);
    open_.erase(key);
}

std::vector<StageStats> StageHistory::stage_stats() const
{
    std::lock_guard lock(mutex_);
    std::vector<StageStats> out;
    for (const auto &stage : stage_order_) {
        StageStats s;
        s.stage = stage;
        double total = 0;
        for (const auto &sample : samples_) {
            if (sample.stage != stage) continue;
            ++s.count;
            total += sample.seconds;
            s.max_seconds = std::max(s.max_seconds, sample.seconds);
            s.last_seconds = sample.seconds;
        }
        if (s.count == 0) continue;
        s.mean_seconds = total / static_cast<double>(s.count);
        out.push_back(s);
    }
    return out;
}

std::optional<double> StageHistory::mean_rebuild_seconds() const
{
    std::lock_guard lock(mutex_);
    if (rebuild_seconds_.empty()) return std::nullopt;
    double total = 0;
    for (double s : rebuild_seconds_) total += s;
    return total / static_cast<double>(rebuild_seconds_.size());
}

size_t StageHistory::rebuilds() const
{
    std::lock_guard lock(mutex_);
    return rebuild_seconds_.size();
}

} // namespace dmc::service::ui
